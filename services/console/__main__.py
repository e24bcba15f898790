from services.console.app import build_app
from services.console.settings import ConsoleSettings
from shared.service import serve

settings = ConsoleSettings()
serve(build_app(settings), settings)
