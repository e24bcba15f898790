from services.desk.app import build_app
from services.desk.settings import DeskSettings
from shared.service import serve

settings = DeskSettings()
serve(build_app(settings), settings)
