from services.tracking.app import build_app
from services.tracking.settings import TrackingSettings
from shared.service import serve

settings = TrackingSettings()
serve(build_app(settings), settings)
