"""Invoices sent by the billing software as events, through the real broker and store:
recorded once per (issuer, reference), the citizen opens it with the code printed on the
invoice, conflicting or malformed events go to the dead letters."""

import hashlib
import secrets
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.payments.app import build_app
from services.payments.context import Payments
from services.payments.invoices import INVOICES
from services.payments.settings import PaymentsSettings
from shared.events.billing import BillingInvoiceIssued
from shared.kafka.dead_letter import dead_letter_info
from shared.kafka.producer import EventPublisher
from shared.kafka.topics import BILLING, PAYMENTS, dead_letter_topic
from shared.outbox import encode_stream
from tests.conftest import KAFKA, MONGODB_URI
from tests.integration.payments_support import drop, invoice_body
from tests.support import eventually, free_port, read_log, serve_app

Send = Callable[..., Awaitable[None]]


@dataclass
class Running:
    http: httpx.AsyncClient
    ctx: Payments
    prefix: str
    send: Send

    async def invoices(self, reference: str) -> list[dict[str, Any]]:
        return await self.ctx.db[INVOICES].find({"reference": reference}).to_list()


@pytest.fixture
async def running(topic_prefix: str, publisher: EventPublisher) -> AsyncIterator[Running]:
    database, port = f"test_payments_{uuid.uuid4().hex[:8]}", free_port()
    settings = PaymentsSettings(
        kafka_bootstrap_servers=KAFKA,
        topic_prefix=topic_prefix,
        mongodb_uri=MONGODB_URI,
        mongodb_database=database,
        public_url=f"http://127.0.0.1:{port}",
    )

    async def send(event: BillingInvoiceIssued, event_id: str | None = None) -> None:
        key, value, headers = encode_stream(
            event,
            source="/regie/facturation",
            event_id=event_id or uuid.uuid4().hex,
            correlation_id="",
        )
        await publisher.send_raw(
            topic=topic_prefix + BILLING, key=key, value=value, headers=headers
        )

    app = build_app(settings)
    try:
        async with (
            serve_app(app, port=port) as base,
            httpx.AsyncClient(base_url=base, timeout=30) as http,
        ):
            yield Running(http=http, ctx=app.state.payments, prefix=topic_prefix, send=send)
    finally:
        await drop(database)


def billed(code: str, **overrides: Any) -> BillingInvoiceIssued:
    body = invoice_body() | overrides
    return BillingInvoiceIssued.model_validate(
        body
        | {
            "citizen_code_sha256": hashlib.sha256(code.encode()).hexdigest(),
            "issued_at": datetime.now(UTC),
        }
    )


async def test_an_invoice_sent_as_an_event_is_recorded_once(running: Running) -> None:
    code = secrets.token_urlsafe(24)
    event = billed(code)
    await running.send(event, "billing-1")
    await running.send(event, "billing-1")  # redelivered
    await running.send(event)  # sent again by the billing software, under a new id

    async def recorded() -> bool:
        return len(await running.invoices(event.reference)) == 1

    await eventually(recorded, timeout=30)
    (invoice,) = await running.invoices(event.reference)
    assert invoice["amount_cents"] == event.amount_cents and invoice["issuer"] == event.issuer
    url = f"/v1/citizen/invoices/{invoice['_id']}"
    seen = await running.http.get(url, params={"code": code})
    assert seen.status_code == 200, seen.text
    assert seen.json()["status_label"] == "à payer"
    assert (await running.http.get(url, params={"code": "autre"})).status_code == 404

    async def announced() -> list[str]:
        records = await read_log(KAFKA, running.prefix + PAYMENTS)
        return [dict(r.headers)["ce_type"].decode() for r in records]

    await eventually(lambda: _nonempty(announced()), timeout=30)
    assert (await announced()).count("relais.invoice.issued.v1") == 1


async def _nonempty(values: Awaitable[list[str]]) -> bool:
    return bool(await values)


async def test_conflicting_and_malformed_billing_events_go_to_the_dead_letters(
    running: Running,
) -> None:
    event = billed(secrets.token_urlsafe(24), due_date=date.today() + timedelta(days=10))
    await running.send(event)
    conflicting = event.model_copy(update={"label": "Une autre facture, même référence"})
    await running.send(conflicting, "conflict")
    key, value, headers = encode_stream(event, source="/regie", event_id="bad", correlation_id="")
    broken = value.replace(b'"amount_cents":', b'"amount_cents":1', 1)
    await running.ctx.runtime.publisher.send_raw(
        topic=running.prefix + BILLING, key=key, value=broken, headers=headers
    )
    dlq = running.prefix + dead_letter_topic("payments-billing")

    async def both_dead() -> bool:
        return len(await read_log(KAFKA, dlq)) == 2

    await eventually(both_dead, timeout=60, interval=0.5)
    infos = {
        dict(r.headers)["ce_id"].decode(): dead_letter_info(r.headers)
        for r in await read_log(KAFKA, dlq)
    }
    assert "Une autre facture porte déjà cette référence" in infos["conflict"]["dlq_error"]
    assert infos["bad"]["dlq_error_type"] == "PoisonMessage"
    (invoice,) = await running.invoices(event.reference)
    assert invoice["label"] == event.label
