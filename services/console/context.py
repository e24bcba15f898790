"""The console's resources, shared by its routes, and how its pages are rendered."""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from services.console.session import csrf_token, pop_flash
from services.console.settings import ConsoleSettings
from services.console.upstream import Upstream
from shared.auth import Agent
from shared.catalogue import Catalogue
from shared.http import app_state
from shared.web.pages import Pages

NAV = (
    ("/", "Ma file", "q"),
    ("/accueil", "Accueil du public", "a"),
    ("/statistiques", "Statistiques", "t"),
    ("/courrier", "Courrier à envoyer", "c"),
    ("/factures", "Factures", "f"),
)


@dataclass(frozen=True)
class Console:
    settings: ConsoleSettings
    upstream: Upstream
    pages: Pages
    catalogue: Catalogue
    oauth: Any = None  # Authlib's client when an OpenID provider is configured

    def department_label(self, code: str | None) -> str:
        return self.catalogue.departments.get(code or "", code or "non attribuée")

    def render(
        self,
        request: Request,
        name: str,
        *,
        agent: Agent | None,
        status_code: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        path = request.url.path
        nav = (
            [
                {
                    "url": url,
                    "label": label,
                    "shortcut": key,
                    "current": path == url or (url != "/" and path.startswith(url)),
                }
                for url, label, key in NAV
            ]
            if agent
            else []
        )
        return self.pages.render(
            request,
            name,
            status_code,
            face_name="Console des agents",
            nav=nav,
            agent=agent,
            department=self.department_label(agent.department) if agent else None,
            csrf=csrf_token(request),
            flash=context.pop("flash", None) or pop_flash(request),
            **context,
        )


ConsoleDep = Annotated[Console, Depends(app_state("console"))]
