from services.portal.app import build_app
from services.portal.settings import PortalSettings
from shared.service import serve

settings = PortalSettings()
serve(build_app(settings), settings)
