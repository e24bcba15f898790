"""Tracking: each request's lifecycle and timeline from the log; agents' and citizens' API."""

from functools import partial

from fastapi import FastAPI

from services.tracking import agents, public, repository
from services.tracking.context import Tracking
from services.tracking.handlers import handlers
from services.tracking.settings import TrackingSettings
from shared.catalogue import load_catalogue
from shared.http import create_app
from shared.runtime import Runtime, lifespan_for


def build_app(settings: TrackingSettings | None = None) -> FastAPI:
    settings = settings or TrackingSettings()
    runtime = Runtime.create(settings)
    tracking = Tracking(
        settings=settings, runtime=runtime, department_labels=load_catalogue().departments
    )
    runtime.consume(group="tracking", handlers=handlers.bind(tracking=tracking))
    app = create_app(
        title="Relais tracking",
        description="Suivi des demandes : cycle de vie et historique de chaque demande, "
        "API des agents et page de suivi de l'usager (référence + code de suivi).",
        lifespan=lifespan_for(runtime, on_start=partial(repository.ensure_indexes, db=runtime.db)),
        readiness=[runtime.database_ready, runtime.consumers_ready],
    )
    app.state.tracking = tracking
    app.state.agent_jwt_secret = settings.agent_jwt_secret
    app.include_router(public.router)
    app.include_router(agents.router)
    return app
