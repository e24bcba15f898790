"""Notification emails the receipt of a paid invoice once per event, through the outbox, the
real broker and store to a real SMTP server; the amount is written in euros from cents, the
opt-out link is in it, and a refused address is failed for good."""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

import pytest

from services.notification.app import build_app
from services.notification.ledger import OUTBOX, notification_id
from services.notification.settings import NotificationSettings
from shared.events.payments import InvoiceContact, PaymentStarted, PaymentSucceeded
from shared.events.stream import StreamEvent
from shared.kafka.producer import EventPublisher
from shared.kafka.topics import PAYMENTS
from shared.mongo import connect
from shared.outbox import encode_stream
from tests.conftest import KAFKA, MONGODB_URI
from tests.integration.test_notification_appointments import mails
from tests.integration.test_notification_delivery import DOMAIN
from tests.notification_support import REFUSED, Inbox
from tests.support import eventually, free_port, serve_app

Publish = Callable[[StreamEvent, str], Awaitable[None]]
PAID_AT = datetime(2026, 12, 2, 9, 14, tzinfo=UTC)  # 10h14 in Paris


def paid(**overrides: object) -> PaymentSucceeded:
    fields: dict[str, object] = {
        "invoice_id": "inv-1",
        "payment_id": "pay-1",
        "provider": "payfip",
        "operation_id": "op-1",
        "authorisation": "A12345",
        "amount_cents": 1250,
        "reference": "CANT-2026-11-0042",
        "label": "Cantine scolaire novembre 2026",
        "contact": InvoiceContact(name="Camille Martin", email="camille@example.org"),
        "paid_at": PAID_AT,
    }
    return PaymentSucceeded.model_validate(fields | overrides)


@pytest.fixture
async def inbox() -> AsyncIterator[Inbox]:
    box = Inbox(port=free_port())
    await box.start()
    yield box
    await box.stop()


@pytest.fixture
async def database() -> AsyncIterator[str]:
    name = f"test_notification_{uuid.uuid4().hex[:8]}"
    yield name
    client = connect(uri=MONGODB_URI)
    await client.drop_database(name)
    await client.close()


@pytest.fixture
async def send(
    topic_prefix: str, publisher: EventPublisher, inbox: Inbox, database: str
) -> AsyncIterator[Publish]:
    settings = NotificationSettings(
        kafka_bootstrap_servers=KAFKA,
        topic_prefix=topic_prefix,
        mongodb_uri=MONGODB_URI,
        mongodb_database=database,
        smtp_port=inbox.port,
        mail_domain=DOMAIN,
        retry_max_delay_s=0.5,
    )

    async def publish(event: StreamEvent, event_id: str) -> None:
        key, value, headers = encode_stream(
            event, source="/relais/payments", event_id=event_id, correlation_id=""
        )
        await publisher.send_raw(
            topic=topic_prefix + PAYMENTS, key=key, value=value, headers=headers
        )

    async with serve_app(build_app(settings)):
        yield publish


async def test_the_receipt_goes_out_once_in_euros(send: Publish, inbox: Inbox) -> None:
    started = PaymentStarted(
        invoice_id="inv-1",
        payment_id="pay-1",
        provider="payfip",
        operation_id="op-1",
        amount_cents=1250,
        started_at=PAID_AT,
    )
    await send(started, "pay-1:started")  # no mail for a payment still under way
    await send(paid(), "pay-1:succeeded")
    await send(paid(), "pay-1:succeeded")  # redelivered: no second receipt
    received = await mails(inbox, 1)
    assert len(received) == 1
    (receipt,) = received
    assert receipt["To"].addresses[0].addr_spec == "camille@example.org"
    assert str(receipt["Subject"]) == "[Ville-Exemple] Reçu de paiement : facture CANT-2026-11-0042"
    assert receipt["Message-ID"].endswith(f"@{DOMAIN}>")
    text = receipt.get_body(preferencelist=("plain",))
    html = receipt.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    body = text.get_content()
    assert "Bonjour Camille Martin," in body
    assert "12,50\u00a0€" in body and "12.5" not in body
    assert "Cantine scolaire novembre 2026" in body
    assert "mercredi 2 décembre 2026 à 10h14" in body
    assert "A12345" in body
    assert "<strong>12,50\u00a0€</strong>" in html.get_content()
    assert (
        "Ne plus recevoir de messages de la mairie : http://127.0.0.1:8030/v1/preferences/" in body
    )
    assert receipt["List-Unsubscribe"].startswith("<http://127.0.0.1:8030/v1/preferences/")


async def test_a_refused_address_is_recorded_and_not_retried(
    send: Publish, inbox: Inbox, database: str
) -> None:
    contact = InvoiceContact(name=None, email=REFUSED)
    await send(paid(invoice_id="inv-2", payment_id="pay-2", contact=contact), "pay-2:succeeded")
    client = connect(uri=MONGODB_URI)
    try:
        key = notification_id("pay-2:succeeded")

        async def recorded() -> bool:
            record = await client[database][OUTBOX].find_one({"_id": key})
            return record is not None and record["state"] == "failed"

        await eventually(recorded, timeout=30)
        record = await client[database][OUTBOX].find_one({"_id": key})
    finally:
        await client.close()
    assert record is not None and record["permanent"] is True
    assert record["reason"].startswith("adresse refusée par le serveur de messagerie (550")
    assert inbox.recipients_tried.count(REFUSED) == 1
    assert inbox.messages == []
