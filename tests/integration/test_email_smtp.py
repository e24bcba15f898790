"""The SMTP contract: town addresses only, size limit, redelivery, 451 when Kafka is down."""

import asyncio
import smtplib
from collections.abc import AsyncIterator
from email.message import EmailMessage

import pytest

from services.email_adapter.raw_store import RawStore
from shared.blobs import BlobStore
from shared.events import CitizenMessageReceived, NotificationFailed, RequestSubmitted
from shared.kafka.producer import EventPublisher
from tests.integration.test_email_support import (
    CORPUS,
    TOWN,
    RunningAdapter,
    crlf,
    email_settings,
    publish_fixtures,
    published,
    running_adapter,
)

REQUEST = (CORPUS / "new-utf8-quoted-printable.eml").read_bytes()
NO_MESSAGE_ID = (CORPUS / "new-no-message-id.eml").read_bytes()
FOLLOW_UP = (CORPUS / "follow-up-re-subject.eml").read_bytes()
BOUNCE = (CORPUS / "bounce-postfix-dsn.eml").read_bytes()
AUTO_REPLY = (CORPUS / "auto-zimbra-vacation.eml").read_bytes()


def _announce_size(port: int, size: int) -> tuple[str, tuple[int, bytes]]:
    """The SIZE the server advertises, and its answer to MAIL FROM announcing `size` bytes."""
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.ehlo()
        return client.esmtp_features["size"], client.mail("a@example.org", [f"SIZE={size}"])


@pytest.fixture
async def adapter(topic_prefix: str) -> AsyncIterator[RunningAdapter]:
    async with running_adapter(email_settings(topic_prefix)) as running:
        yield running


async def test_a_redelivered_message_counts_once(
    adapter: RunningAdapter, publisher: EventPublisher
) -> None:
    fixtures = await publish_fixtures(publisher, adapter)
    for raw in (REQUEST, NO_MESSAGE_ID, FOLLOW_UP, BOUNCE) * 2:
        code, reply = await adapter.send(raw)
        assert code == 250, reply
    events = [e.data for e in await published(adapter.topic)]
    requests = [e for e in events if isinstance(e, RequestSubmitted) and e.channel == "email"]
    assert len(requests) == 2 and len({r.reference for r in requests}) == 2
    follow_ups = [e for e in events if isinstance(e, CitizenMessageReceived)]
    assert [f.request_id for f in follow_ups] == [fixtures["lilas"].request_id]
    failures = [e for e in events if isinstance(e, NotificationFailed)]
    assert [f.request_id for f in failures] == [fixtures["lilas"].request_id]
    assert await adapter.db["raw_originals"].count_documents({}) == 4  # no copy per redelivery


async def test_mail_for_another_domain_is_refused_with_a_reason(adapter: RunningAdapter) -> None:
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        await adapter.send(REQUEST, rcpt=("someone@elsewhere.example",))
    ((code, reply),) = refused.value.recipients.values()
    assert code == 550 and reply.startswith(b"5.1.1") and b"ville.example" in reply
    code, _ = await adapter.send(REQUEST, rcpt=(TOWN, "urbanisme@VILLE.example"))
    assert code == 250
    assert len(await published(adapter.topic)) == 1


async def test_oversized_mail_is_refused_before_and_after_data(topic_prefix: str) -> None:
    async with running_adapter(email_settings(topic_prefix, max_message_bytes=4096)) as adapter:
        size, (code, reply) = await asyncio.to_thread(_announce_size, adapter.smtp_port, 10_000)
        assert size == "4096" and code == 552 and reply.startswith(b"5.3.4"), reply
        big = REQUEST + b"\n" + b"Lorem ipsum dolor sit amet. " * 300 + b"\n"
        with pytest.raises(smtplib.SMTPDataError) as refused:
            await adapter.send(big)
        assert refused.value.smtp_code == 552 and refused.value.smtp_error.startswith(b"5.3.4")
        assert b"4096" in refused.value.smtp_error
        code, _ = await adapter.send(REQUEST)
        assert code == 250
        assert len(await published(adapter.topic)) == 1


async def test_kafka_down_means_try_later_and_nothing_published(topic_prefix: str) -> None:
    settings = email_settings(
        topic_prefix, kafka_bootstrap_servers="127.0.0.1:1", publish_timeout_s=1
    )
    async with running_adapter(settings) as adapter:
        with pytest.raises(smtplib.SMTPDataError) as refused:
            await adapter.send(REQUEST)
        assert refused.value.smtp_code == 451
        assert refused.value.smtp_error.startswith(b"4.3.0")
        code, _ = await adapter.send(AUTO_REPLY)  # nothing to publish: recorded, accepted
        assert code == 250
        record = await adapter.db["messages"].find_one(
            {"message_id": "CAF1x7Zq0001@mail.example.org"}
        )
        assert record is not None and "fate" not in record  # kept, waiting for the retry
    assert await published(topic_prefix + "relais.requests.v1") == []


async def test_a_message_too_big_for_one_document_is_kept_whole(adapter: RunningAdapter) -> None:
    pdf = b"%PDF-1.4\n" + bytes(range(256)) * (6 * 4096)  # 6 MiB, twice: over 16 MiB encoded
    message = EmailMessage()
    message["From"] = "Thomas Girard <thomas.girard@example.net>"
    message["To"] = TOWN
    message["Subject"] = "Plans du projet (fichiers lourds)"
    message["Message-ID"] = "<big-plans-1@example.net>"
    message.set_content("Bonjour, voici les plans du projet.")
    for name in ("plan-1.pdf", "plan-2.pdf"):
        message.add_attachment(pdf, maintype="application", subtype="pdf", filename=name)
    raw = message.as_bytes()
    assert len(raw) > 16 * 1024 * 1024
    code, _ = await adapter.send(raw)
    assert code == 250
    (event,) = [e.data for e in await published(adapter.topic)]
    assert isinstance(event, RequestSubmitted) and event.raw_ref is not None
    assert event.raw_ref.startswith("email_adapter:raw_large/")
    assert [(a.filename, a.size) for a in event.attachments] == [
        ("plan-1.pdf", len(pdf)),
        ("plan-2.pdf", len(pdf)),
    ]
    blobs = BlobStore(db=adapter.db, service="email_adapter")
    kept = await RawStore(db=adapter.db, blobs=blobs, service="email_adapter").load(event.raw_ref)
    assert kept == crlf(raw)
