"""Routing: consumes new requests, publishes the department in charge and the due date."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI

from services.routing import routes
from services.routing.context import Routing
from services.routing.examples import load_seed
from services.routing.handlers import handlers
from services.routing.settings import DEV_MODEL_KEY, RoutingSettings
from services.routing.store import Store
from shared.auth import DEV_SECRET
from shared.catalogue import load_catalogue
from shared.http import Lifespan, create_app
from shared.runtime import Runtime, lifespan_for

log = structlog.get_logger(__name__)


def build_routing(settings: RoutingSettings, runtime: Runtime) -> Routing:
    catalogue = load_catalogue()
    return Routing(
        settings=settings,
        catalogue=catalogue,
        store=Store(runtime.db),
        publisher=runtime.publisher,
        seed=load_seed(catalogue),
    )


def _lifespan(routing: Routing, runtime: Runtime) -> Lifespan:
    """The shared lifespan, with the background bootstrap started first and stopped last."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        routing.start()
        try:
            async with lifespan_for(runtime)(app):
                yield
        finally:
            await routing.stop()

    return lifespan


def build_app(settings: RoutingSettings | None = None) -> FastAPI:
    settings = settings or RoutingSettings()
    runtime = Runtime.create(settings)
    routing = build_routing(settings, runtime)
    runtime.consume(group="routing", handlers=handlers.bind(routing=routing))
    for value, default, env in (
        (settings.agent_jwt_secret, DEV_SECRET, "AGENT_JWT_SECRET"),
        (settings.model_signing_key, DEV_MODEL_KEY, "MODEL_SIGNING_KEY"),
    ):
        if value == default:
            log.warning("routing.dev_secret", hint=f"set {env} in production")
    app = create_app(
        title="Relais routing",
        description="Affecte chaque demande au service compétent avec une échéance ; "
        "explication des décisions, règles et modèles versionnés (administrateurs).",
        lifespan=_lifespan(routing, runtime),
        readiness=[runtime.database_ready, runtime.consumers_ready, routing.ready],
    )
    app.state.routing = routing
    app.state.agent_jwt_secret = settings.agent_jwt_secret
    app.include_router(routes.router)
    return app
