"""Route each new request and publish the decision."""

import uuid
from datetime import UTC, datetime, time

from services.routing.deadlines import due_at
from services.routing.rules import decide
from services.routing.settings import RoutingSettings
from shared.catalogue import Catalogue
from shared.envelope import Envelope
from shared.events import Department, RequestRouted, RequestSubmitted
from shared.kafka.producer import EventPublisher

SOURCE = "/relais/routing"
ROUTED_NAMESPACE = uuid.UUID("5b0c5b76-3f0e-4c55-9a37-6c1f2b0f7e11")


def routed_event(
    envelope: Envelope, *, catalogue: Catalogue, settings: RoutingSettings
) -> Envelope:
    request = envelope.data
    assert isinstance(request, RequestSubmitted)
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


async def on_submitted(
    envelope: Envelope,
    *,
    publisher: EventPublisher,
    catalogue: Catalogue,
    settings: RoutingSettings,
) -> None:
    await publisher.publish(routed_event(envelope, catalogue=catalogue, settings=settings))
