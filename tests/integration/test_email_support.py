"""Helpers for the email adapter's integration tests (no tests here): the real app with its
SMTP server on an ephemeral port, mail sent with smtplib, and what landed on the topic."""

import asyncio
import hashlib
import smtplib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import yaml
from aiokafka import AIOKafkaConsumer, TopicPartition
from pymongo.asynchronous.database import AsyncDatabase

from services.email_adapter.app import build_app
from services.email_adapter.headers import all_headers, first_address, header, message_ids
from services.email_adapter.parsing import MalformedEmail, read_message
from services.email_adapter.settings import EmailSettings
from shared.auth import Agent, issue_token
from shared.envelope import Envelope, decode
from shared.events import Channel, Citizen, NotificationSent, RequestSubmitted
from shared.kafka.producer import EventPublisher
from shared.kafka.topics import REQUESTS, topic_specs
from shared.mongo import Document, connect
from tests.conftest import KAFKA, MONGODB_URI, namespaced
from tests.factories import submitted
from tests.support import eventually, serve_app

CORPUS = Path(__file__).parents[1] / "data" / "emails"
MANIFEST = yaml.safe_load((CORPUS / "manifest.yaml").read_text(encoding="utf-8"))
AGENT_SECRET = "secret-des-agents-pour-les-tests-du-courriel"
AGENT = Agent(agent_id="lea-roux", name="Léa Roux", department="accueil")
REQUEST_PARTITIONS = next(s.partitions for s in topic_specs() if s.name == REQUESTS)
TOWN = "mairie@ville.example"


def agent_headers(*, secret: str = AGENT_SECRET) -> dict[str, str]:
    return {"authorization": f"Bearer {issue_token(agent=AGENT, secret=secret)}"}


def email_settings(topic_prefix: str, **overrides: Any) -> EmailSettings:
    fields: dict[str, Any] = {
        **namespaced(topic_prefix, "email"),
        "smtp_listen_host": "127.0.0.1",
        "smtp_listen_port": 0,
        "agent_jwt_secret": AGENT_SECRET,
    }
    fields.update(overrides)
    return EmailSettings(**fields)


@dataclass
class RunningAdapter:
    settings: EmailSettings
    client: httpx.AsyncClient
    smtp_port: int
    db: AsyncDatabase[Document]

    @property
    def topic(self) -> str:
        return self.settings.topic_prefix + REQUESTS

    async def send(
        self, raw: bytes, *, mail_from: str | None = None, rcpt: tuple[str, ...] = (TOWN,)
    ) -> tuple[int, bytes]:
        """Deliver over SMTP (CRLF line ends): the 250 reply, or smtplib's refusal raised."""
        sender = envelope_sender(raw) if mail_from is None else mail_from
        return await asyncio.to_thread(_send, self.smtp_port, crlf(raw), sender, list(rcpt))


def _send(port: int, raw: bytes, sender: str, rcpt: list[str]) -> tuple[int, bytes]:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.ehlo("client.example.org")
        code, reply = client.mail(sender)
        assert code == 250, reply
        for address in rcpt:
            code, reply = client.rcpt(address)
            if code >= 400:
                raise smtplib.SMTPRecipientsRefused({address: (code, reply)})
        code, reply = client.data(raw)
        if code != 250:
            raise smtplib.SMTPDataError(code, reply)
        return code, reply


@asynccontextmanager
async def running_adapter(settings: EmailSettings) -> AsyncIterator[RunningAdapter]:
    app = build_app(settings)
    mongo = connect(uri=MONGODB_URI)
    try:
        async with (
            serve_app(app) as base,
            httpx.AsyncClient(base_url=base, timeout=30) as client,
        ):
            db = mongo[settings.database_name]
            yield RunningAdapter(settings, client, app.state.smtp_port, db)
    finally:
        await mongo.drop_database(settings.database_name)
        await mongo.close()


def crlf(raw: bytes) -> bytes:
    text = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    return text if text.endswith(b"\r\n") else text + b"\r\n"


def envelope_sender(raw: bytes) -> str:
    """What a relay would give as MAIL FROM: the Return-Path, else the From, else <>."""
    try:
        message = read_message(raw)
    except MalformedEmail:
        return "<>"
    paths = all_headers(message, "Return-Path")
    if paths:
        return paths[0].strip()
    return first_address(message, "From")[1] or "<>"


def sent_message_id(raw: bytes) -> str:
    """The Message-ID the adapter records (a digest of the bytes as sent when there is none)."""
    ids = message_ids(header(read_message(raw), "Message-ID"))
    return ids[0] if ids else "sha256:" + hashlib.sha256(crlf(raw)).hexdigest()


async def published(topic: str) -> list[Envelope]:
    """Every event on the topic up to its current end (the adapter answers after the ack)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=KAFKA, group_id=None, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(REQUEST_PARTITIONS)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        records = []
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            batch = await consumer.getmany(*partitions, timeout_ms=1000)
            records += [r for recs in batch.values() for r in recs]
        return [decode(r) for r in records]
    finally:
        await consumer.stop()


def fixture_events(name: str) -> tuple[RequestSubmitted, NotificationSent]:
    """A request known to the town (from another channel) and the notification we sent."""
    spec = MANIFEST["fixtures"][name]
    request = submitted(
        reference=spec["reference"],
        channel=Channel.PORTAL,
        citizen=Citizen(name=spec["name"], email=spec["email"]),
    )
    sent = NotificationSent(
        request_id=request.request_id,
        reference=request.reference,
        notification_id=spec["message_id"].split("@")[0].removeprefix("notif-"),
        channel="email",
        template="accuse_reception",
        message_id=f"<{spec['message_id']}>",
        sent_at=datetime.now(UTC),
    )
    return request, sent


async def publish_fixtures(
    publisher: EventPublisher, adapter: RunningAdapter
) -> dict[str, RequestSubmitted]:
    """Publish the fixture requests and wait until the adapter's directory knows them."""
    requests = {}
    for name in MANIFEST["fixtures"]:
        request, sent = fixture_events(name)
        await publisher.publish(Envelope(data=request, source="/relais/portal"))
        await publisher.publish(Envelope(data=sent, source="/relais/notification"))
        requests[name] = request

    async def known() -> bool:
        count = len(requests)
        return (
            await adapter.db["directory_requests"].count_documents({}) >= count
            and await adapter.db["sent_notifications"].count_documents({}) >= count
        )

    await eventually(known, timeout=60)
    return requests
