"""The site's resources, shared by its routes."""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from services.site.settings import SiteSettings
from services.site.upstream import Upstream
from shared.http import app_state
from shared.web.pages import Pages

# The appointments pages join this list with their service.
NAV = (
    ("/", "Accueil"),
    ("/demarches/demande_generale", "Faire une demande"),
    ("/suivi", "Suivre ma demande"),
    ("/factures", "Mes factures"),
    ("/mes-documents", "Mes documents"),
    ("/accessibilite", "Accessibilité"),
)


@dataclass(frozen=True)
class Site:
    settings: SiteSettings
    upstream: Upstream
    pages: Pages

    def render(
        self, request: Request, name: str, *, status_code: int = 200, **context: Any
    ) -> HTMLResponse:
        path = request.url.path
        nav = [
            {
                "url": url,
                "label": label,
                "current": path == url or (url != "/" and path.startswith(url)),
            }
            for url, label in NAV
        ]
        return self.pages.render(
            request,
            name,
            status_code,
            face_name="Démarches en ligne",
            nav=nav,
            accessibility_url="/accessibilite",  # RGAA: the conformity on every page
            **context,
        )

    def unavailable(self, request: Request) -> HTMLResponse:
        return self.render(request, "unavailable.html", status_code=503)


SiteDep = Annotated[Site, Depends(app_state("site"))]
