"""Internal notes never reach a citizen: the same events go to every citizen-facing output
(tracking's public view, the notification service's emails, the Open311 adapter's request
view), each fed exactly as its consumer would be, and none of them contains the notes."""

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

from services.notification.app import assemble
from services.notification.rendering import environment
from services.notification.settings import NotificationSettings
from services.open311.mapping import request_item
from services.open311.store import RequestBook
from services.tracking import views
from services.tracking.projection import project
from services.tracking.work import ACTION_EVENTS, project_action
from shared.catalogue import load_catalogue
from shared.envelope import Envelope
from shared.events import (
    AgentReplied,
    Channel,
    Citizen,
    Department,
    Event,
    InternalNoteAdded,
    RequestRouted,
    RequestStatus,
    RequestStatusChanged,
)
from shared.kafka.handlers import Handlers
from tests.factories import submitted
from tests.fakes import InMemoryPublisher

NOTE = "NOTE-INTERNE-voisin-procédurier"
INTERNAL_COMMENT = "COMMENTAIRE-INTERNE-dossier-sensible"
PUBLIC_REPLY = "Une équipe passera jeudi."


class RecordingMailer:
    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    async def send(self, message: EmailMessage) -> None:
        self.sent.append(message)


def readable(message: EmailMessage) -> str:
    """Headers and every decoded text part (bodies are encoded on the wire)."""
    parts = [str(message["Subject"])]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            parts.append(part.get_content())
    return "\n".join(parts)


def story() -> list[Envelope]:
    now = datetime.now(UTC).replace(microsecond=0)
    request = submitted(
        channel=Channel.OPEN311,
        submitted_at=now,
        citizen=Citizen(name="Camille Martin", email="camille.martin@example.org"),
    )
    ids = {"request_id": request.request_id, "reference": request.reference}
    events: list[Event] = [
        request,
        RequestRouted(
            **ids,
            department=Department(code="services_techniques", label="Services techniques"),
            category="voirie",
            due_at=now + timedelta(days=14),
            rule="category:voirie",
            explanation="Voirie",
            routed_at=now + timedelta(seconds=1),
        ),
        InternalNoteAdded(**ids, actor="julie", at=now + timedelta(seconds=2), text=NOTE),
        RequestStatusChanged(
            **ids,
            status=RequestStatus.IN_PROGRESS,
            comment=INTERNAL_COMMENT,
            internal=True,
            actor="julie",
            changed_at=now + timedelta(seconds=3),
        ),
        AgentReplied(**ids, actor="julie", at=now + timedelta(seconds=4), text=PUBLIC_REPLY),
        RequestStatusChanged(
            **ids,
            status=RequestStatus.RESOLVED,
            comment="Trou rebouché.",
            actor="julie",
            changed_at=now + timedelta(seconds=5),
        ),
    ]
    return [Envelope(data=e, source="/relais/tests") for e in events]


async def deliver(envelopes: list[Envelope[Any]], handlers: Handlers) -> None:
    """As the consumer loop does: each event to its type's handler, others skipped."""
    for envelope in envelopes:
        single = handlers.handler_for(type(envelope.data))
        batch = handlers.batch_handler_for(type(envelope.data))
        if single is not None:
            await single(envelope)
        elif batch is not None:
            await batch([envelope])


def tracking_public_view(envelopes: list[Envelope]) -> str:
    state: dict[str, Any] = {}
    entries = []
    for envelope in envelopes:
        if isinstance(envelope.data, ACTION_EVENTS):
            projection = project_action(envelope, state)
        else:
            projection = project(envelope, state or None, reopen_window=timedelta(days=15))
        state = {"_id": envelope.data.request_id, **state, **projection.changes}
        entries.append(projection.entry)
    agents_view = views.detail(state, entries, now=datetime.now(UTC)).model_dump_json()
    assert NOTE in agents_view and INTERNAL_COMMENT in agents_view  # agents do see them
    return views.public_view(state, entries).model_dump_json()


async def test_no_citizen_facing_output_contains_an_internal_note(mongo_db: Any) -> None:
    envelopes = story()
    outputs: dict[str, str] = {"tracking public view": tracking_public_view(envelopes)}

    mailer = RecordingMailer()
    notifier = assemble(
        NotificationSettings(),
        db=mongo_db,
        publisher=InMemoryPublisher(),  # type: ignore[arg-type]
        templates=environment(),
        email_transport=mailer,
    )
    await deliver(envelopes, notifier.handlers())
    assert mailer.sent, "the notification service sent nothing: the check would prove nothing"
    outputs["notification emails"] = "\n".join(readable(m) for m in mailer.sent)

    book = RequestBook(db=mongo_db, catalogue=load_catalogue())
    await deliver(envelopes, book.handlers())
    stored = await mongo_db["requests"].find_one({"_id": envelopes[0].data.request_id})
    assert stored is not None
    item = request_item(stored, catalogue=load_catalogue(), timezone="Europe/Paris")
    outputs["Open311 request"] = repr(item)

    for name, text in outputs.items():
        assert NOTE not in text, name
        assert INTERNAL_COMMENT not in text, name
    assert PUBLIC_REPLY in outputs["tracking public view"]
    assert "Trou rebouché." in outputs["tracking public view"]
    assert "Trou rebouché." in outputs["notification emails"]  # decoded bodies are searched
