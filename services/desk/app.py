"""Desk adapter: requests logged by agents at the front desk, by phone and from postal mail."""

import structlog
from fastapi import FastAPI

from services.desk import letters, messages, routes, webhook
from services.desk.calls import CallLog
from services.desk.context import Desk
from services.desk.scans import SCAN_TYPES
from services.desk.settings import (
    CONSUMER_GROUP,
    DEV_TELEPHONY_SECRET,
    LETTERS,
    SOURCE,
    DeskSettings,
)
from shared.attachment_links import download_router
from shared.auth import DEV_SECRET
from shared.blobs import BlobStore, Limits
from shared.directory import RequestDirectory
from shared.http import create_app
from shared.intake import Intake
from shared.runtime import Runtime, lifespan_for

log = structlog.get_logger(__name__)


def _desk(settings: DeskSettings, runtime: Runtime) -> Desk:
    db = runtime.db
    return Desk(
        settings=settings,
        db=db,
        intakes={
            channel: Intake.on_mongo(
                db=db,
                publisher=runtime.publisher,
                source=SOURCE,
                letter=letter,
                keys=settings.tracking_keys(),
            )
            for channel, letter in LETTERS.items()
        },
        scans=BlobStore(
            db=db,
            service="desk",
            limits=Limits(max_bytes=settings.max_scan_bytes, max_count=1, allowed_types=SCAN_TYPES),
        ),
        attachments=BlobStore(
            db=db, service="desk", limits=Limits(max_bytes=settings.max_scan_bytes, max_count=1)
        ),
        directory=RequestDirectory(db=db),
        calls=CallLog(db=db),
    )


def build_app(settings: DeskSettings | None = None) -> FastAPI:
    settings = settings or DeskSettings()
    runtime = Runtime.create(settings)
    desk = _desk(settings, runtime)
    runtime.consume(group=CONSUMER_GROUP, handlers=desk.directory.handlers())

    async def on_start() -> None:
        settings.warn_dev_tracking_secret()
        if settings.agent_jwt_secret == DEV_SECRET:
            log.warning("desk.dev_agent_secret", hint="set AGENT_JWT_SECRET in production")
        if settings.telephony_webhook_secret == DEV_TELEPHONY_SECRET:
            log.warning("desk.dev_telephony_secret", hint="set TELEPHONY_WEBHOOK_SECRET")
        await desk.directory.ensure_indexes()

    app = create_app(
        title="Relais accueil, téléphone et courrier",
        description="Les agents enregistrent les demandes reçues à l'accueil, par téléphone et "
        "par courrier postal, et les messages de suivi des usagers. La téléphonie (CTI) "
        "signale les appels par webhook.",
        lifespan=lifespan_for(runtime, on_start=on_start),
        readiness=[runtime.database_ready, runtime.consumers_ready],
        max_body_bytes=settings.max_body_bytes,
    )
    app.state.desk = desk
    app.state.agent_jwt_secret = settings.agent_jwt_secret
    for module in (routes, letters, messages, webhook):
        app.include_router(module.router)
    key = settings.attachment_link_key
    blobs = desk.attachments
    app.include_router(download_router(blobs=blobs, adapter=blobs.service, key=key))
    return app
