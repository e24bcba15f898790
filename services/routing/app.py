"""Routing: consumes new requests, publishes the department in charge and the due date."""

from functools import partial

from fastapi import FastAPI

from services.routing.handlers import on_submitted
from services.routing.settings import RoutingSettings
from shared.catalogue import load_catalogue
from shared.events import RequestSubmitted
from shared.http import create_app
from shared.runtime import Runtime, lifespan_for


def build_app(settings: RoutingSettings | None = None) -> FastAPI:
    settings = settings or RoutingSettings()
    runtime = Runtime.create(settings, with_database=False)
    handler = partial(
        on_submitted, publisher=runtime.publisher, catalogue=load_catalogue(), settings=settings
    )
    runtime.consume(group="routing", handlers={RequestSubmitted: handler})
    return create_app(
        title="Relais routing",
        description="Affecte chaque demande au service compétent avec une échéance.",
        lifespan=lifespan_for(runtime),
        readiness=[runtime.consumers_ready],
    )
