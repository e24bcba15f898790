"""Payments: invoices from the billing software (API or events), paid online once through a provider
(PayFiP, or a development provider), with events and a reconciliation command."""

import asyncio
import contextlib
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from functools import partial

import structlog
from fastapi import FastAPI

from services.payments import api, billing, checkout, citizen, invoices
from services.payments.context import Payments
from services.payments.payfip import PayFiP
from services.payments.providers import DevProvider, Provider
from services.payments.settings import DEV_BILLING_KEY, SOURCE, PaymentsSettings
from shared.envelope import stream_codec
from shared.events.billing import BILLING_EVENT_MODELS
from shared.http import create_app
from shared.kafka.topics import BILLING
from shared.outbox import Outbox
from shared.runtime import Runtime, lifespan_for

log = structlog.get_logger(__name__)


def provider_for(settings: PaymentsSettings, runtime: Runtime) -> Provider:
    if settings.provider == "payfip":
        return PayFiP(
            url=settings.payfip_url,
            page_url=settings.payfip_page_url,
            numcli=settings.payfip_numcli,
            saisie=settings.payfip_saisie,
            timeout_s=settings.provider_timeout_s,
        )
    return DevProvider(db=runtime.db, public_url=settings.public_url)


def build_app(
    settings: PaymentsSettings | None = None, *, provider: Provider | None = None
) -> FastAPI:
    settings = settings or PaymentsSettings()
    runtime = Runtime.create(settings)
    ctx = Payments(
        settings=settings,
        runtime=runtime,
        provider=provider or provider_for(settings, runtime),
        outbox=Outbox(db=runtime.db, publisher=runtime.publisher, source=SOURCE),
    )
    runtime.consume(group="payments", handlers=invoices.request_handlers.bind(db=runtime.db))
    runtime.consume(
        group="payments-billing",
        handlers=billing.billing_handlers(ctx),
        topic=BILLING,
        decoder=stream_codec(BILLING_EVENT_MODELS).decode,
    )
    app = create_app(
        title="Relais paiements",
        description="Factures de la commune (logiciel de facturation), paiement en ligne "
        "par PayFiP, une seule fois, reçus, rapprochement avec le prestataire.",
        lifespan=_lifespan(ctx),
        readiness=[runtime.database_ready, runtime.consumers_ready],
        max_body_bytes=256 * 1024,
    )
    app.state.payments = ctx
    app.state.agent_jwt_secret = settings.agent_jwt_secret
    app.include_router(api.router)
    app.include_router(citizen.router)
    return app


async def _recovery(ctx: Payments) -> None:
    while True:
        await asyncio.sleep(ctx.settings.recovery_interval_s)
        with contextlib.suppress(Exception):
            await checkout.recover(ctx)


def _lifespan(ctx: Payments) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    async def prepare() -> None:
        if DEV_BILLING_KEY in ctx.settings.billing_api_keys.split(","):
            log.warning("payments.dev_billing_key")
        await invoices.ensure_indexes(ctx)

    async def recover_before_serving() -> None:
        with contextlib.suppress(Exception):  # settle what a crash left open
            await checkout.recover(ctx)

    return lifespan_for(
        ctx.runtime,
        on_start=prepare,
        after_start=recover_before_serving,
        background=[ctx.outbox.relay, partial(_recovery, ctx)],
    )
