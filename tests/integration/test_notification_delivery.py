"""Notification through the real broker and store, delivering to a real SMTP server."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from services.notification.app import build_app
from services.notification.ledger import notification_id
from services.notification.settings import NotificationSettings
from shared.envelope import Envelope, decode
from shared.events import (
    AgentReplied,
    Citizen,
    CitizenAsked,
    ContactPreference,
    Department,
    Event,
    InternalNoteAdded,
    NotificationFailed,
    NotificationSent,
    RequestMerged,
    RequestRouted,
    RequestStatus,
    RequestStatusChanged,
)
from shared.kafka.dead_letter import dead_letter_info
from shared.kafka.producer import EventPublisher
from shared.kafka.topics import REQUESTS, dead_letter_topic, topic_specs
from shared.mongo import connect
from tests.conftest import KAFKA, MONGODB_URI
from tests.factories import submitted
from tests.notification_support import REFUSED, Inbox
from tests.support import eventually, free_port, published, serve_app

PARTITIONS = next(s.partitions for s in topic_specs() if s.name == REQUESTS)
DOMAIN = "ville.example"


@dataclass
class Stack:
    inbox: Inbox
    publisher: EventPublisher
    topic: str
    base_url: str = ""

    async def publish(self, *events: Event | Envelope) -> list[Envelope]:
        sent = []
        for item in events:
            env = item if isinstance(item, Envelope) else Envelope(item, source="/relais/tests")
            await self.publisher.publish(env)
            sent.append(env)
        return sent

    async def events(self, kind: type[Event]) -> list[Envelope]:
        return [e for e in await published(KAFKA, self.topic) if isinstance(e.data, kind)]

    async def mails(self, count: int) -> list[EmailMessage]:
        async def arrived() -> bool:
            return len(self.inbox.messages) >= count

        await eventually(arrived, timeout=30)
        return self.inbox.messages

    async def outcome(self, kind: type[Event], request_id: str) -> Envelope:
        found: list[Envelope] = []

        async def published() -> bool:
            found[:] = [e for e in await self.events(kind) if e.data.request_id == request_id]
            return bool(found)

        await eventually(published, timeout=30, interval=0.3)
        return found[0]


@pytest.fixture
async def inbox() -> AsyncIterator[Inbox]:
    box = Inbox(port=free_port())
    yield box
    await box.stop()


@pytest.fixture
async def stack(topic_prefix: str, publisher: EventPublisher, inbox: Inbox) -> AsyncIterator[Stack]:
    database = f"test_notification_{uuid.uuid4().hex[:8]}"
    port = free_port()
    settings = NotificationSettings(
        kafka_bootstrap_servers=KAFKA,
        topic_prefix=topic_prefix,
        mongodb_uri=MONGODB_URI,
        mongodb_database=database,
        smtp_port=inbox.port,
        mail_domain=DOMAIN,
        public_status_url="https://demarches.ville.example/suivi/{reference}?code={code}",
        retry_max_delay_s=0.5,
        send_backoff_s=0.2,
        send_backoff_max_s=0.5,
        sweep_interval_s=0.2,
        public_notification_url=f"http://127.0.0.1:{port}",
        channels=["email"],  # a town with email only: other preferences are reported
    )
    try:
        async with serve_app(build_app(settings), port=port) as base_url:
            yield Stack(
                inbox=inbox, publisher=publisher, topic=topic_prefix + REQUESTS, base_url=base_url
            )
    finally:
        client = connect(uri=MONGODB_URI)
        await client.drop_database(database)
        await client.close()


def routed_for(request: Any) -> RequestRouted:
    return RequestRouted(
        request_id=request.request_id,
        reference=request.reference,
        department=Department(code="services_techniques", label="Services techniques"),
        due_at=request.submitted_at.replace(year=2030, month=1, day=4, hour=16, minute=30),
        rule="category:voirie",
        explanation="Catégorie voirie.",
        routed_at=request.submitted_at,
    )


def status_for(request: Any, status: RequestStatus, *, internal: bool = False) -> Any:
    return RequestStatusChanged(
        request_id=request.request_id,
        reference=request.reference,
        status=status,
        comment="Équipe prévue lundi." if not internal else "Note interne.",
        internal=internal,
        actor="agent-7",
        changed_at=request.submitted_at,
    )


async def test_a_routed_request_gets_one_acknowledgement_then_status_mails(
    stack: Stack,
) -> None:
    await stack.inbox.start()
    request = submitted()
    _, routed = await stack.publish(request, routed_for(request))

    [ack] = await stack.mails(1)
    assert str(ack["Subject"]) == (
        f"[Ville-Exemple] Demande {request.reference} : accusé de réception"
    )
    assert ack["To"].addresses[0].addr_spec == "camille.martin@example.org"
    assert ack["Message-ID"] == f"<notif-{notification_id(routed.id)}@{DOMAIN}>"
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["List-Unsubscribe"] == f"<{stack.base_url}/v1/preferences/{opt_out_token(ack)}>"
    assert ack["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert ack["X-Loop"] == f"relais@{DOMAIN}"
    assert ack["X-Relais-Reference"] == request.reference
    assert ack["Reply-To"].addresses[0].addr_spec == "demandes@ville.example"
    body = ack.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert "Services techniques" in text and "vendredi 4 janvier 2030" in text
    assert f"https://demarches.ville.example/suivi/{request.reference}" in text

    sent = await stack.outcome(NotificationSent, request.request_id)
    assert isinstance(sent.data, NotificationSent)
    assert sent.data.message_id == ack["Message-ID"]
    assert sent.data.template == "acknowledgement"
    assert sent.causation_id == routed.id

    # The same routed event again sends nothing; the status change behind it is told once.
    await stack.publish(routed, status_for(request, RequestStatus.RESOLVED, internal=True))
    await stack.publish(status_for(request, RequestStatus.IN_PROGRESS))
    mails = await stack.mails(2)
    await asyncio.sleep(0.5)
    assert len(mails) == 2
    update = mails[1]
    assert str(update["Subject"]).endswith(": en cours de traitement")
    assert update["In-Reply-To"] == ack["Message-ID"]
    update_body = update.get_body(preferencelist=("plain",))
    assert update_body is not None and "Équipe prévue lundi." in update_body.get_content()
    assert len(await stack.events(NotificationSent)) == 2


async def test_agents_public_words_are_mailed_once_and_internal_notes_never(
    stack: Stack,
) -> None:
    await stack.inbox.start()
    request = submitted()
    ids = {"request_id": request.request_id, "reference": request.reference, "actor": "agent-7"}
    at = {"at": request.submitted_at}
    note = InternalNoteAdded(**ids, **at, text="Riverain connu du service, prudence.")
    reply = AgentReplied(**ids, **at, text="Le trou sera rebouché jeudi.")
    asked = CitizenAsked(**ids, **at, text="Pouvez-vous joindre une photo ?")
    merged = RequestMerged(
        **ids, **at, kept_request_id=uuid.uuid4().hex, kept_reference="2026-K000042"
    )
    sent = await stack.publish(request, routed_for(request), note, reply, asked, merged)
    await stack.publish(*sent[3:])  # redelivered: told once all the same

    mails = await stack.mails(4)
    await asyncio.sleep(1.0)
    assert len(mails) == 4
    subjects = [str(m["Subject"]) for m in mails[1:]]
    assert subjects[0].endswith(": réponse du service")
    assert subjects[1].endswith(": complément demandé")
    assert subjects[2].endswith(": regroupée avec la demande 2026-K000042")
    texts = [str(m.get_body(preferencelist=("plain",)).get_content()) for m in mails]  # type: ignore[union-attr]
    assert "Le trou sera rebouché jeudi." in texts[1]
    assert "Pouvez-vous joindre une photo ?" in texts[2] and "en attente" in texts[2]
    assert all("Riverain connu" not in text for text in texts)
    for mail, trigger in zip(mails[1:], sent[3:], strict=True):
        assert mail["Message-ID"] == f"<notif-{notification_id(trigger.id)}@{DOMAIN}>"
        assert mail["In-Reply-To"] == mails[0]["Message-ID"]
    outcomes = await stack.events(NotificationSent)
    assert sorted(o.data.template for o in outcomes) == [
        "acknowledgement",
        "agent_reply",
        "citizen_asked",
        "request_merged",
    ]
    assert not [o for o in outcomes if o.causation_id == sent[2].id]


async def test_mail_waits_for_the_smtp_server_and_is_never_lost(stack: Stack) -> None:
    request = submitted()
    await stack.publish(request, routed_for(request))
    await asyncio.sleep(1.5)  # several refused connections
    assert stack.inbox.messages == []
    assert await stack.events(NotificationSent) == []

    await stack.inbox.start()
    [mail] = await stack.mails(1)
    assert request.reference in str(mail["Subject"])
    await stack.outcome(NotificationSent, request.request_id)


async def test_a_refused_recipient_is_reported_once_as_permanent(stack: Stack) -> None:
    await stack.inbox.start()
    request = submitted(citizen=Citizen(name="Inconnu", email=REFUSED))
    await stack.publish(request, routed_for(request))
    failed = await stack.outcome(NotificationFailed, request.request_id)
    assert isinstance(failed.data, NotificationFailed)
    assert failed.data.permanent is True
    assert failed.data.channel == "email"
    assert "550" in failed.data.reason and "refusée" in failed.data.reason
    assert stack.inbox.recipients_tried == [REFUSED]
    assert stack.inbox.messages == []


async def test_other_channels_are_reported_and_none_is_respected(stack: Stack) -> None:
    await stack.inbox.start()
    sms = submitted(citizen=Citizen(phone="+33612345678", preferred_contact=ContactPreference.SMS))
    silent = submitted(
        citizen=Citizen(email="discret@example.org", preferred_contact=ContactPreference.NONE)
    )
    await stack.publish(silent, routed_for(silent), sms, routed_for(sms))
    failed = await stack.outcome(NotificationFailed, sms.request_id)
    assert isinstance(failed.data, NotificationFailed)
    assert (failed.data.channel, failed.data.permanent) == ("sms", False)
    assert failed.data.reason == "channel sms is not configured"
    assert stack.inbox.messages == []
    outcomes = await stack.events(NotificationSent) + await stack.events(NotificationFailed)
    assert [e.data.request_id for e in outcomes] == [sms.request_id]


async def test_an_event_for_an_unknown_request_is_dead_lettered_not_lost(stack: Stack) -> None:
    await stack.inbox.start()
    orphan = submitted()  # its RequestSubmitted is never published
    [routed] = await stack.publish(routed_for(orphan))
    consumer = AIOKafkaConsumer(
        stack.topic.removesuffix(REQUESTS) + dead_letter_topic("notification"),
        bootstrap_servers=KAFKA,
        group_id=None,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        records: list[Any] = []

        async def parked() -> bool:
            for batch in (await consumer.getmany(timeout_ms=300)).values():
                records.extend(batch)
            return bool(records)

        await eventually(parked, timeout=30)
    finally:
        await consumer.stop()
    info = dead_letter_info(records[0].headers)
    assert info["dlq_error_type"] == "UnknownContact"
    assert decode(records[0]).id == routed.id
    assert stack.inbox.messages == []


def opt_out_token(mail: EmailMessage) -> str:
    return str(mail["List-Unsubscribe"]).strip("<>").rsplit("/", 1)[1]


async def test_one_click_opt_out_stops_every_later_message_to_that_address(stack: Stack) -> None:
    await stack.inbox.start()
    request = submitted()
    await stack.publish(request, routed_for(request))
    [ack] = await stack.mails(1)
    link = str(ack["List-Unsubscribe"]).strip("<>")
    async with httpx.AsyncClient(timeout=10) as http:
        page = await http.get(link)
        assert page.status_code == 200 and "Ne plus recevoir de messages" in page.text
        done = await http.post(link, data={"List-Unsubscribe": "One-Click"})
        assert done.status_code == 200 and "C'est noté" in done.text
        forged = await http.get(link[:-3] + "abc")
        assert forged.status_code == 404
        assert forged.headers["content-type"] == "application/problem+json"

    later = submitted(citizen=Citizen(name="Camille", email="CAMILLE.MARTIN@example.org"))
    await stack.publish(status_for(request, RequestStatus.IN_PROGRESS), later, routed_for(later))
    failed = await stack.outcome(NotificationFailed, later.request_id)
    assert failed.data.reason == "l'usager a demandé à ne plus être contacté"
    assert failed.data.permanent
    await asyncio.sleep(0.5)
    assert len(stack.inbox.messages) == 1
