"""Email adapter: citizens' mail received over SMTP (and optionally IMAP) becomes requests."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI

from services.email_adapter import routes
from services.email_adapter.imap import poll_forever
from services.email_adapter.inbox import Inbox
from services.email_adapter.notifications import SentNotifications, directory_handlers
from services.email_adapter.pipeline import Pipeline
from services.email_adapter.quarantine import Quarantine
from services.email_adapter.raw_store import RawStore
from services.email_adapter.settings import CONSUMER_GROUP, LETTER, SOURCE, EmailSettings
from services.email_adapter.smtp import MailHandler, start_smtp
from shared.attachment_links import download_router
from shared.auth import DEV_SECRET
from shared.blobs import BlobStore
from shared.directory import RequestDirectory
from shared.http import Lifespan, create_app
from shared.intake import Intake
from shared.runtime import Runtime, lifespan_for

log = structlog.get_logger(__name__)


def build_pipeline(settings: EmailSettings, runtime: Runtime) -> Pipeline:
    db = runtime.db
    blobs = BlobStore(db=db, service=settings.service_name)
    return Pipeline(
        domains=settings.domains,
        intake=Intake.on_mongo(
            db=db,
            publisher=runtime.publisher,
            source=SOURCE,
            letter=LETTER,
            keys=settings.tracking_keys(),
        ),
        directory=RequestDirectory(db=db),
        sent=SentNotifications(db=db),
        blobs=blobs,
        raw_store=RawStore(db=db, blobs=blobs, service=settings.service_name),
        inbox=Inbox(db=db),
        quarantine=Quarantine(db=db),
    )


async def _prepare(settings: EmailSettings, pipeline: Pipeline) -> None:
    settings.warn_dev_tracking_secret()
    if settings.agent_jwt_secret == DEV_SECRET:
        log.warning("email.dev_agent_secret", hint="set AGENT_JWT_SECRET in production")
    await pipeline.directory.ensure_indexes()
    for repository in (pipeline.sent, pipeline.inbox, pipeline.quarantine):
        await repository.ensure_indexes()


def _lifespan(settings: EmailSettings, runtime: Runtime, pipeline: Pipeline) -> Lifespan:
    base = lifespan_for(runtime, on_start=lambda: _prepare(settings, pipeline))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with base(app):
            handler = MailHandler(pipeline=pipeline, settings=settings)
            server = await start_smtp(handler=handler, settings=settings)
            app.state.smtp_port = server.sockets[0].getsockname()[1]
            log.info("smtp.listening", port=app.state.smtp_port)
            imap = None
            if settings.imap_host:
                imap = asyncio.create_task(poll_forever(settings=settings, pipeline=pipeline))
            try:
                yield
            finally:
                server.close()
                await server.wait_closed()
                if imap is not None:
                    imap.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await imap

    return lifespan


def build_app(settings: EmailSettings | None = None) -> FastAPI:
    settings = settings or EmailSettings()
    runtime = Runtime.create(settings)
    pipeline = build_pipeline(settings, runtime)
    runtime.consume(
        group=CONSUMER_GROUP, handlers=directory_handlers(pipeline.directory, pipeline.sent)
    )
    app = create_app(
        title="Relais courriel",
        description="Reçoit le courrier électronique des usagers (SMTP, et IMAP en option) : "
        "nouvelles demandes, messages de suivi, réponses automatiques et avis de non-remise. "
        "Les agents consultent et retraitent ici les courriels mis en quarantaine.",
        lifespan=_lifespan(settings, runtime, pipeline),
        readiness=[runtime.database_ready, runtime.consumers_ready],
    )
    app.state.pipeline = pipeline
    app.state.agent_jwt_secret = settings.agent_jwt_secret
    app.include_router(routes.router)
    key = settings.attachment_link_key
    app.include_router(
        download_router(blobs=pipeline.blobs, adapter=pipeline.blobs.service, key=key)
    )
    return app
