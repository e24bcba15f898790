"""The consumer side: every request event is projected onto tracking's database."""

import uuid

import structlog

from services.tracking import repository
from services.tracking.context import Tracking
from services.tracking.projection import PROJECTED_EVENTS, project
from shared.envelope import Envelope
from shared.events import Event, RequestStatus, RequestStatusChanged
from shared.kafka.handlers import Handlers

log = structlog.get_logger(__name__)
SOURCE = "/relais/tracking"
FOLLOW_UP_NAMESPACE = uuid.UUID("0f3c2a8e-6d4b-4a1e-9b7c-2f5d8e1a4c60")
FOLLOW_UP_COMMENT = "Votre message a bien été reçu : votre demande est de nouveau en cours."
handlers = Handlers()


async def on_event(envelope: Envelope[Event], *, tracking: Tracking) -> None:
    current = await repository.load(db=tracking.db, request_id=envelope.data.request_id)
    if repository.already_applied(current, envelope):
        log.info("event.already_applied", type=envelope.type)
        return
    projection = project(envelope, current, reopen_window=tracking.reopen_window)
    if projection.follow_up is not None:
        # Published before the entry is stored, so a crash in between republishes it (same id).
        await tracking.publisher.publish(follow_up_event(envelope, projection.follow_up))
    await repository.store(db=tracking.db, envelope=envelope, projection=projection)


def follow_up_event(
    envelope: Envelope[Event], status: RequestStatus
) -> Envelope[RequestStatusChanged]:
    """The status change a citizen's message calls for, with an id derived from the message."""
    message = envelope.data
    change = RequestStatusChanged(
        request_id=message.request_id,
        reference=message.reference,
        status=status,
        comment=FOLLOW_UP_COMMENT,
        actor="system",
        changed_at=envelope.time,
    )
    event_id = str(uuid.uuid5(FOLLOW_UP_NAMESPACE, envelope.id))
    return envelope.caused(change, source=SOURCE, id=event_id)


for _event_type in PROJECTED_EVENTS:
    handlers.register(_event_type, on_event)
