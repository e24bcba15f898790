"""Open311 GeoReport v2 adapter: third-party apps report issues and follow the town's requests."""

from functools import partial
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from services.open311.context import Open311
from services.open311.errors import install_open311_errors
from services.open311.routes import router
from services.open311.settings import BASE_PATH, LETTER, SOURCE, Open311Settings
from services.open311.store import RequestBook
from shared.catalogue import load_catalogue
from shared.http import create_app
from shared.intake import Intake
from shared.runtime import Runtime, lifespan_for


def build_app(settings: Open311Settings | None = None) -> FastAPI:
    settings = settings or Open311Settings()
    runtime = Runtime.create(settings)
    catalogue = load_catalogue()
    book = RequestBook(db=runtime.db, catalogue=catalogue)
    settings.warn_dev_tracking_secret()
    runtime.consume(group="open311", handlers=book.handlers())
    app = create_app(
        title="Relais Open311",
        description="API GeoReport v2 (Open311) de la commune : services proposés, dépôt de "
        "demandes et suivi public des demandes, en JSON ou XML selon l'extension.",
        lifespan=lifespan_for(runtime, on_start=book.ensure_indexes),
        readiness=[runtime.database_ready, runtime.consumers_ready],
    )
    app.state.open311 = Open311(
        settings=settings,
        catalogue=catalogue,
        book=book,
        intake=Intake.on_mongo(
            db=runtime.db,
            publisher=runtime.publisher,
            source=SOURCE,
            letter=LETTER,
            keys=settings.tracking_keys(),
        ),
    )
    app.include_router(router)
    install_open311_errors(app)
    app.openapi = partial(_openapi_without_422, app)  # type: ignore[method-assign]
    return app


def _openapi_without_422(app: FastAPI) -> dict[str, Any]:
    """Open311 routes answer invalid input with 400 and the spec's error list, never 422."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        for path, operations in schema.get("paths", {}).items():
            if path.startswith(BASE_PATH):
                for operation in operations.values():
                    operation.get("responses", {}).pop("422", None)
        app.openapi_schema = schema
    return app.openapi_schema
