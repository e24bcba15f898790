"""Web channels adapter: the website's contact form, the Facebook page and the chatbot."""

import structlog
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from services.web import chatbot, contact, facebook
from services.web.context import Web
from services.web.errors import install_error_handlers
from services.web.locks import KeyedLocks
from services.web.ratelimit import SlidingWindowLimiter
from services.web.settings import (
    CONSUMER_GROUP,
    DEV_CHATBOT_SECRET,
    DEV_FACEBOOK_APP_SECRET,
    DEV_FACEBOOK_VERIFY_TOKEN,
    LETTERS,
    SOURCE,
    WebSettings,
)
from services.web.threads import Threads
from shared.attachment_links import download_router
from shared.blobs import BlobStore
from shared.directory import RequestDirectory
from shared.http import create_app
from shared.intake import Intake
from shared.runtime import Runtime, lifespan_for

log = structlog.get_logger(__name__)
DEV_SECRETS = {
    "FACEBOOK_VERIFY_TOKEN": ("facebook_verify_token", DEV_FACEBOOK_VERIFY_TOKEN),
    "FACEBOOK_APP_SECRET": ("facebook_app_secret", DEV_FACEBOOK_APP_SECRET),
    "CHATBOT_SECRET": ("chatbot_secret", DEV_CHATBOT_SECRET),
}


def _web(settings: WebSettings, runtime: Runtime) -> Web:
    db = runtime.db
    directory = RequestDirectory(db=db)
    return Web(
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
        blobs=BlobStore(db=db, service="web"),
        directory=directory,
        threads=Threads(db=db, directory=directory),
        limiter=SlidingWindowLimiter(settings.rate_limit),
        conversations=KeyedLocks(),
    )


def build_app(settings: WebSettings | None = None) -> FastAPI:
    settings = settings or WebSettings()
    runtime = Runtime.create(settings)
    web = _web(settings, runtime)
    runtime.consume(group=CONSUMER_GROUP, handlers=web.directory.handlers())

    async def on_start() -> None:
        settings.warn_dev_tracking_secret()
        for env, (field, default) in DEV_SECRETS.items():
            if getattr(settings, field) == default:
                log.warning("web.dev_secret", hint=f"set {env} in production")
        await web.directory.ensure_indexes()

    app = create_app(
        title="Relais canaux web",
        description="Formulaire de contact du site de la ville, page Facebook (webhook) et "
        "assistant en ligne (chatbot) : chaque message devient une demande, ou complète la "
        "demande déjà ouverte par le même usager.",
        lifespan=lifespan_for(runtime, on_start=on_start),
        readiness=[runtime.database_ready, runtime.consumers_ready],
        max_body_bytes=settings.max_body_bytes,
    )
    if settings.allowed_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.allowed_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "X-Correlation-ID"],
            expose_headers=["Retry-After", "X-Correlation-ID"],
        )
    app.state.web = web
    install_error_handlers(app)
    for module in (contact, facebook, chatbot):
        app.include_router(module.router)
    key = settings.attachment_link_key
    app.include_router(download_router(blobs=web.blobs, adapter=web.blobs.service, key=key))
    return app
