"""Agents' console: server-rendered pages over tracking's and the desk's HTTP APIs."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.middleware.sessions import SessionMiddleware

from services.console import (
    actions,
    billing,
    dossier,
    files,
    frontdesk,
    login,
    mailroom,
    ops,
    queue,
    stats,
)
from services.console.context import Console
from services.console.session import COOKIE, CsrfRefused, LoginRequired
from services.console.settings import DEV_SESSION_SECRET, ConsoleSettings
from services.console.upstream import TokenRejected, Upstream, UpstreamDown
from services.console.wording import channel_label, euros
from shared.auth import DEV_SECRET
from shared.catalogue import load_catalogue
from shared.http import create_app
from shared.web.pages import Pages, install_pages

HERE = Path(__file__).parent
log = structlog.get_logger(__name__)


def oidc_client(settings: ConsoleSettings) -> Any:
    """Authlib's client for the town's provider: authorization code with PKCE (S256)."""
    if not settings.oidc_metadata_url:
        return None
    from authlib.integrations.starlette_client import OAuth

    oauth = OAuth()
    oauth.register(
        name="town",
        server_metadata_url=settings.oidc_metadata_url,
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        client_kwargs={"scope": settings.oidc_scopes, "code_challenge_method": "S256"},
    )
    return oauth


def _handlers(app: FastAPI, console: Console) -> None:
    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _: Exception) -> Response:
        return RedirectResponse("/connexion", status_code=303)

    @app.exception_handler(TokenRejected)
    async def _expired(request: Request, _: Exception) -> Response:
        request.session.clear()
        return RedirectResponse("/connexion", status_code=303)

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, _: Exception) -> Response:
        message = "Ce formulaire a expiré ou ne vient pas de la console : rechargez la page."
        return console.render(
            request, "forbidden.html", agent=None, status_code=403, message=message
        )

    @app.exception_handler(UpstreamDown)
    async def _down(request: Request, _: Exception) -> Response:
        return console.render(request, "unavailable.html", agent=None, status_code=503)


def build_app(settings: ConsoleSettings | None = None, upstream: Upstream | None = None) -> FastAPI:
    settings = settings or ConsoleSettings()
    pages = Pages(templates_dir=HERE / "templates", settings=settings)
    pages.templates.env.filters["channel"] = channel_label
    pages.templates.env.filters["euros"] = euros
    console = Console(
        settings=settings,
        upstream=upstream or Upstream(settings),
        pages=pages,
        catalogue=load_catalogue(),
        oauth=oidc_client(settings),
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if settings.session_secret == DEV_SESSION_SECRET or settings.agent_jwt_secret == DEV_SECRET:
            log.warning("console.dev_secret", hint="set SESSION_SECRET and AGENT_JWT_SECRET")
        if settings.dev_login:
            log.warning("console.dev_login", hint="set DEV_LOGIN=false in production")
        yield
        await console.upstream.close()

    app = create_app(
        title="Relais console des agents",
        description="La console des agents : file du service, dossiers, accueil du public, "
        "statistiques, courrier à envoyer, factures. Pages HTML rendues par le serveur.",
        lifespan=lifespan,
        readiness=[console.upstream.ready],
    )
    app.state.console = console
    install_pages(app, settings=settings)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.session_secret,
        session_cookie=COOKIE,
        max_age=settings.session_hours * 3600,
        same_site="lax",  # strict would drop the cookie on the provider's redirect back
        https_only=settings.cookie_secure,
    )
    _handlers(app, console)
    for module in (login, queue, dossier, files, actions, frontdesk, stats, mailroom, billing, ops):
        app.include_router(module.router)
    return app
