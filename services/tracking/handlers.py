"""The consumer side: every request event is projected onto tracking's database."""

import uuid
from collections.abc import Sequence

import structlog

from services.tracking import store, work_handler
from services.tracking.context import Tracking
from services.tracking.projection import PROJECTED_EVENTS
from shared.envelope import Envelope
from shared.events import Event, RequestStatus, RequestStatusChanged
from shared.kafka.handlers import Handlers
from shared.kafka.producer import publish_all

log = structlog.get_logger(__name__)
SOURCE = "/relais/tracking"
FOLLOW_UP_NAMESPACE = uuid.UUID("0f3c2a8e-6d4b-4a1e-9b7c-2f5d8e1a4c60")
FOLLOW_UP_COMMENT = "Votre message a bien été reçu : votre demande est de nouveau en cours."
handlers = Handlers()


@handlers.handles_batch(*PROJECTED_EVENTS)
async def on_events(envelopes: Sequence[Envelope[Event]], *, tracking: Tracking) -> None:
    """Project a partition's consecutive events in memory, then write them in bulk."""
    batch = await store.plan(
        db=tracking.db, envelopes=envelopes, reopen_window=tracking.reopen_window
    )
    if skipped := len(envelopes) - len(batch.entries):
        log.info("event.already_applied", count=skipped)
    # Published before the entries are stored, so a crash in between republishes them (same ids).
    follow_ups = [follow_up_event(envelope, status) for envelope, status in batch.follow_ups]
    await publish_all(tracking.publisher, follow_ups)
    await store.write(db=tracking.db, batch=batch)


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


work_handler.register(handlers)
