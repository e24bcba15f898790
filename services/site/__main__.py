from services.site.app import build_app
from services.site.settings import SiteSettings
from shared.service import serve

settings = SiteSettings()
serve(build_app(settings), settings)
