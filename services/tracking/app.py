"""Tracking: each request's lifecycle and timeline from the log; agents' and citizens' API."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import partial

from fastapi import FastAPI

from services.tracking import (
    attachments,
    audit,
    collaboration,
    indexes,
    public,
    queues,
    routes,
    statistics_api,
    watch,
    workspace,
)
from services.tracking.context import Tracking
from services.tracking.handlers import handlers
from services.tracking.settings import TrackingSettings
from shared.auth import install_agent_auth
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
        lifespan=_with_watch(
            lifespan_for(runtime, on_start=partial(indexes.ensure_indexes, db=runtime.db)),
            tracking,
        ),
        readiness=[runtime.database_ready, runtime.consumers_ready],
    )
    app.state.tracking = tracking
    install_agent_auth(app, settings)
    app.include_router(public.router)
    app.include_router(queues.router)
    app.include_router(routes.router)
    app.include_router(attachments.router)
    app.include_router(workspace.router)
    app.include_router(collaboration.router)
    app.include_router(statistics_api.router)
    app.include_router(audit.router)
    return app


def _with_watch(
    base: Callable[[FastAPI], AbstractAsyncContextManager[None]], tracking: Tracking
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The service's lifespan, plus the deadline and escalation watch while it runs."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with base(app):
            if not tracking.settings.watch_enabled:
                yield
                return
            task = asyncio.create_task(watch.run(tracking), name="deadline-watch")
            try:
                yield
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)

    return lifespan
