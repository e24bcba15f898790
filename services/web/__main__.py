from services.web.app import build_app
from services.web.settings import WebSettings
from shared.service import serve

settings = WebSettings()
serve(build_app(settings), settings)
