"""Citizens' site: server-rendered pages over the portal's and tracking's HTTP APIs."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response

from services.site import demarches, documents, documents_login, factures, home, suivi
from services.site.context import Site
from services.site.fileinfo import kind_label, size_label
from services.site.session import CsrfRefused, SessionEnded
from services.site.settings import SiteSettings
from services.site.upstream import Upstream, UpstreamDown
from shared.http import create_app
from shared.web.pages import Pages, install_pages

HERE = Path(__file__).parent


def build_app(settings: SiteSettings | None = None, upstream: Upstream | None = None) -> FastAPI:
    settings = settings or SiteSettings()
    site = Site(
        settings=settings,
        upstream=upstream or Upstream(settings),
        pages=Pages(templates_dir=HERE / "templates", settings=settings),
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await site.upstream.close()

    app = create_app(
        title="Relais site des usagers",
        description="Le site des habitants : démarches en ligne, suivi des demandes, "
        "accessibilité. Pages HTML rendues par le serveur.",
        lifespan=lifespan,
        readiness=[site.upstream.ready],
        max_body_bytes=settings.max_upload_bytes,
    )
    app.state.site = site
    install_pages(app, settings=settings)
    _handlers(app, site)
    site.pages.templates.env.filters["kind"] = kind_label
    site.pages.templates.env.filters["size"] = size_label
    for module in (home, demarches, suivi, factures, documents_login, documents):
        app.include_router(module.router)
    return app


def _handlers(app: FastAPI, site: Site) -> None:
    @app.exception_handler(UpstreamDown)
    async def _down(request: Request, _: Exception) -> Response:
        return site.unavailable(request)

    @app.exception_handler(SessionEnded)
    async def _ended(request: Request, _: Exception) -> Response:
        return documents_login.session_ended(request, site)

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, _: Exception) -> Response:
        return site.render(request, "documents/refused.html", status_code=403)
