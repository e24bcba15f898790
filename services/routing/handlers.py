"""Route each new request and publish the decision."""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, time

from services.routing.deadlines import due_at
from services.routing.rules import decide
from services.routing.settings import RoutingSettings
from shared.catalogue import Catalogue
from shared.envelope import Envelope
from shared.events import Department, RequestRouted, RequestSubmitted
from shared.kafka.handlers import Handlers
from shared.kafka.producer import EventPublisher, publish_all

SOURCE = "/relais/routing"
ROUTED_NAMESPACE = uuid.UUID("5b0c5b76-3f0e-4c55-9a37-6c1f2b0f7e11")
handlers = Handlers()


def routed_event(
    envelope: Envelope[RequestSubmitted], *, catalogue: Catalogue, settings: RoutingSettings
) -> Envelope[RequestRouted]:
    request = envelope.data
    decision = decide(request, catalogue)
    closing = time.fromisoformat(settings.closing_time)
    routed = RequestRouted(
        request_id=request.request_id,
        reference=request.reference,
        department=Department(
            code=decision.category.department,
            label=catalogue.departments[decision.category.department],
        ),
        category=decision.category.code,
        due_at=due_at(
            received_at=request.submitted_at,
            working_days=decision.category.deadline_days,
            timezone=settings.timezone,
            closing=closing,
        ),
        rule=decision.rule,
        explanation=decision.explanation,
        routed_at=datetime.now(UTC),
    )
    # Same input event, same decision id: a redelivery republishes an event consumers ignore.
    event_id = str(uuid.uuid5(ROUTED_NAMESPACE, envelope.id))
    return envelope.caused(routed, source=SOURCE, id=event_id)


@handlers.handles_batch(RequestSubmitted)
async def on_submitted(
    envelopes: Sequence[Envelope[RequestSubmitted]],
    *,
    publisher: EventPublisher,
    catalogue: Catalogue,
    settings: RoutingSettings,
) -> None:
    """Decide for the whole batch, publish the decisions together, return once all are acked."""
    decisions = [routed_event(e, catalogue=catalogue, settings=settings) for e in envelopes]
    await publish_all(publisher, decisions)  # on failure, the batch is retried with the same ids
