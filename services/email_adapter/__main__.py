from services.email_adapter.app import build_app
from services.email_adapter.settings import EmailSettings
from shared.service import serve

settings = EmailSettings()
serve(build_app(settings), settings)
