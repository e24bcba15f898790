"""Routing: consumes new requests, publishes the department in charge and the due date."""

from fastapi import FastAPI

from services.routing.handlers import handlers
from services.routing.settings import RoutingSettings
from shared.catalogue import load_catalogue
from shared.http import create_app
from shared.runtime import Runtime, lifespan_for


def build_app(settings: RoutingSettings | None = None) -> FastAPI:
    settings = settings or RoutingSettings()
    runtime = Runtime.create(settings, with_database=False)
    bound = handlers.bind(
        publisher=runtime.publisher, catalogue=load_catalogue(), settings=settings
    )
    runtime.consume(group="routing", handlers=bound)
    return create_app(
        title="Relais routing",
        description="Affecte chaque demande au service compétent avec une échéance.",
        lifespan=lifespan_for(runtime),
        readiness=[runtime.consumers_ready],
    )
