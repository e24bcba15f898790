"""Agents' status changes: checked against the current state, then published to the log.

The consumer applies them like any other event, so tracking stays the single writer.
"""

from datetime import UTC, datetime

import structlog

from services.tracking import lifecycle
from services.tracking.projection import current_status
from services.tracking.schemas import StatusChange
from services.tracking.settings import SOURCE
from shared.auth import Agent
from shared.envelope import Envelope
from shared.errors import BrokerUnavailable
from shared.events import RequestStatusChanged
from shared.kafka.producer import EventPublisher
from shared.metrics import EVENTS_PUBLISHED, PUBLISH_FAILURES
from shared.mongo import Document
from shared.problems import ProblemError

log = structlog.get_logger(__name__)
RETRY_AFTER = "5"


async def change_status(
    *,
    current: Document,
    publisher: EventPublisher,
    change: StatusChange,
    agent: Agent,
    correlation_id: str = "",
) -> Envelope:
    """Publish the change once Kafka acknowledges it; ProblemError when it cannot be."""
    request_id = current["_id"]
    status = current_status(current)
    if not lifecycle.can_move(status, change.status):
        raise ProblemError(
            409,
            lifecycle.refusal(status, change.status),
            current_status=status.value,
            allowed_statuses=[s.value for s in lifecycle.next_statuses(status)],
        )
    event = RequestStatusChanged(
        request_id=request_id,
        reference=current["reference"],
        status=change.status,
        comment=change.comment,
        internal=change.internal,
        actor=agent.agent_id,
        changed_at=datetime.now(UTC),
    )
    envelope = Envelope(data=event, source=SOURCE, correlation_id=correlation_id)
    await publish(publisher, envelope)
    return envelope


async def publish(publisher: EventPublisher, envelope: Envelope) -> None:
    try:
        await publisher.publish(envelope)
    except BrokerUnavailable as exc:
        PUBLISH_FAILURES.labels(SOURCE).inc()
        log.warning("command.not_published", type=envelope.type, error=repr(exc))
        raise ProblemError(
            503,
            "L'action n'a pas pu être enregistrée ; réessayez dans un instant.",
            headers={"Retry-After": RETRY_AFTER},
        ) from exc
    EVENTS_PUBLISHED.labels(SOURCE, envelope.type).inc()
