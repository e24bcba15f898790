from services.notification.app import build_app
from services.notification.settings import NotificationSettings
from shared.service import serve

settings = NotificationSettings()
serve(build_app(settings), settings)
