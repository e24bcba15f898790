"""Portal adapter: citizens file requests and online forms; each becomes one request event."""

from functools import partial
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic.json_schema import models_json_schema

from services.portal import messages
from services.portal.context import Portal
from services.portal.forms import FORMS
from services.portal.routes import router
from services.portal.settings import LETTER, SOURCE, PortalSettings
from shared.attachment_links import download_router
from shared.blobs import BlobStore
from shared.catalogue import load_catalogue
from shared.directory import RequestDirectory
from shared.http import create_app
from shared.intake import Intake
from shared.runtime import Runtime, lifespan_for

REF_TEMPLATE = "#/components/schemas/{model}"


def build_app(settings: PortalSettings | None = None) -> FastAPI:
    settings = settings or PortalSettings()
    runtime = Runtime.create(settings)
    # Its own view of requests, from the log: whose tracking code opens which request.
    directory = RequestDirectory(db=runtime.db)
    settings.warn_dev_tracking_secret()
    runtime.consume(group="portal-adapter", handlers=directory.handlers())
    app = create_app(
        title="Relais portail citoyen",
        description="Dépôt des demandes des habitants et des formulaires en ligne de la "
        "commune ; chaque demande reçoit une référence et un code de suivi.",
        lifespan=lifespan_for(runtime, on_start=directory.ensure_indexes),
        readiness=[runtime.database_ready, runtime.consumers_ready],
        max_body_bytes=settings.max_upload_bytes,
    )
    app.state.portal = Portal(
        settings=settings,
        catalogue=load_catalogue(),
        intake=Intake.on_mongo(
            db=runtime.db,
            publisher=runtime.publisher,
            source=SOURCE,
            letter=LETTER,
            keys=settings.tracking_keys(),
        ),
        blobs=BlobStore(db=runtime.db, service=settings.service_name),
        directory=directory,
    )
    app.include_router(router)
    app.include_router(messages.router)
    blobs, key = app.state.portal.blobs, settings.attachment_link_key
    app.include_router(download_router(blobs=blobs, adapter=blobs.service, key=key))
    app.openapi = partial(openapi_with_forms, app)  # type: ignore[method-assign]
    return app


def openapi_with_forms(app: FastAPI) -> dict[str, Any]:
    """The generated document plus the forms' schemas their request bodies refer to."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        models = [(spec.model, "validation") for spec in FORMS.values()]
        _, definitions = models_json_schema(models, ref_template=REF_TEMPLATE)  # type: ignore[arg-type]
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, definition in definitions.get("$defs", {}).items():
            components.setdefault(name, definition)
        app.openapi_schema = schema
    return app.openapi_schema
