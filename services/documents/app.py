"""Documents: the citizens' document space (magic link), virus-scanned uploads, sharing with a
request, agents' reads recorded for the citizen, and one way for agents to fetch any file."""

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from functools import partial

import httpx
import structlog
from fastapi import FastAPI

from services.documents import agents, citizen, library, projection, retention
from services.documents.context import Documents
from services.documents.mailer import LinkSender, SmtpLinkSender
from services.documents.scanning import ClamdScanner, ClamscanScanner, EicarScanner, Scanner
from services.documents.settings import DEV_LINK_SECRET, SOURCE, DocumentsSettings
from services.documents.storage import GridFSStorage
from shared.attachment_links import DEV_LINK_KEY
from shared.auth import DEV_SECRET
from shared.http import create_app
from shared.outbox import Outbox
from shared.runtime import Runtime, lifespan_for

log = structlog.get_logger(__name__)


def scanner_for(settings: DocumentsSettings) -> Scanner:
    if settings.scanner == "clamd":
        return ClamdScanner(
            socket=settings.clamd_socket,
            host=settings.clamd_host,
            port=settings.clamd_port,
            timeout_s=settings.scan_timeout_s,
        )
    if settings.scanner == "clamscan":
        return ClamscanScanner(
            path=settings.clamscan_path,
            database=settings.clamscan_database,
            timeout_s=settings.scan_timeout_s,
        )
    return EicarScanner()


def build_app(
    settings: DocumentsSettings | None = None, *, sender: LinkSender | None = None
) -> FastAPI:
    settings = settings or DocumentsSettings()
    runtime = Runtime.create(settings)
    ctx = Documents(
        settings=settings,
        runtime=runtime,
        storage=GridFSStorage(runtime.db),
        scanner=scanner_for(settings),
        sender=sender
        or SmtpLinkSender(
            host=settings.smtp_host, port=settings.smtp_port, sender=settings.mail_from
        ),
        outbox=Outbox(db=runtime.db, publisher=runtime.publisher, source=SOURCE),
        http=httpx.AsyncClient(timeout=settings.adapter_timeout_s),
    )
    runtime.consume(group="documents", handlers=projection.handlers.bind(db=runtime.db))
    app = create_app(
        title="Relais documents",
        description="Espace documents des usagers (lien magique), dépôt contrôlé (type lu "
        "dans le contenu, antivirus), partage avec une demande, consultations par les "
        "services, et accès unique des agents aux pièces jointes.",
        lifespan=_lifespan(ctx),
        readiness=[runtime.database_ready, runtime.consumers_ready],
        max_body_bytes=settings.max_upload_bytes,
    )
    app.state.documents = ctx
    app.state.agent_jwt_secret = settings.agent_jwt_secret
    app.include_router(citizen.router)
    app.include_router(agents.router)
    return app


def _lifespan(ctx: Documents) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    async def prepare() -> None:
        if ctx.settings.magic_link_secret == DEV_LINK_SECRET:
            log.warning("documents.dev_magic_link_secret")
        if ctx.settings.agent_jwt_secret == DEV_SECRET:
            log.warning("documents.dev_agent_secret")
        if ctx.settings.attachment_link_key.get_secret_value() == DEV_LINK_KEY:
            log.warning("documents.dev_attachment_link_key")
        await library.ensure_indexes(ctx)
        await projection.ensure_indexes(ctx.db)

    return lifespan_for(
        ctx.runtime,
        on_start=prepare,
        background=[ctx.outbox.relay, partial(retention.run, ctx)],
        on_stop=ctx.http.aclose,
    )
