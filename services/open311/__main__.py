from services.open311.app import build_app
from services.open311.settings import Open311Settings
from shared.service import serve

settings = Open311Settings()
serve(build_app(settings), settings)
