"""Route each new request and publish the decision; learn from agents' transfers."""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, time

import structlog
from prometheus_client import Counter, Histogram

from services.routing.context import Routing
from services.routing.deadlines import due_at
from services.routing.router import Decision, Query
from services.routing.settings import RoutingSettings
from shared.catalogue import Catalogue
from shared.envelope import Envelope
from shared.events import (
    Department,
    RequestRouted,
    RequestSubmitted,
    RequestTransferred,
    RoutingSuggestion,
)
from shared.kafka.handlers import Handlers
from shared.kafka.producer import publish_all
from shared.mongo import Document

log = structlog.get_logger(__name__)
SOURCE = "/relais/routing"
DECISIONS = Counter(
    "relais_routing_decisions_total",
    "Routing decisions by how they were made",
    ["how", "department"],
)
CONFIDENCE = Histogram(
    "relais_routing_confidence",
    "Score of the winning department (model decisions)",
    buckets=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95),
)
ROUTED_NAMESPACE = uuid.UUID("5b0c5b76-3f0e-4c55-9a37-6c1f2b0f7e11")
handlers = Handlers()


def _department(code: str, catalogue: Catalogue) -> Department:
    return Department(code=code, label=catalogue.departments[code])


def routed_event(
    envelope: Envelope[RequestSubmitted],
    decision: Decision,
    *,
    catalogue: Catalogue,
    settings: RoutingSettings,
) -> Envelope[RequestRouted]:
    request = envelope.data
    routed = RequestRouted(
        request_id=request.request_id,
        reference=request.reference,
        department=_department(decision.department, catalogue),
        category=decision.category.code,
        due_at=due_at(
            received_at=request.submitted_at,
            working_days=decision.category.deadline_days,
            timezone=settings.timezone,
            closing=time.fromisoformat(settings.closing_time),
        ),
        rule=decision.rule,
        explanation=decision.explanation,
        routed_at=datetime.now(UTC),
        confidence=round(decision.confidence, 4),
        triage=decision.triage,
        suggestions=[
            RoutingSuggestion(
                department=_department(s.department, catalogue), category=s.category, score=s.score
            )
            for s in decision.suggestions
        ],
        rules_version=decision.ruleset_version,
        model_version=decision.model_version,
    )
    # Same input event, same decision id: a redelivery republishes an event consumers ignore.
    event_id = str(uuid.uuid5(ROUTED_NAMESPACE, envelope.id))
    return envelope.caused(routed, source=SOURCE, id=event_id)


def history_entry(query: Query, event: Envelope[RequestRouted]) -> Document:
    """What routing keeps of a decision: the text for retraining and replays, the outcome."""
    routed = event.data
    return {
        "_id": routed.request_id,
        "text": query.text,
        "category_requested": query.category,
        "channel": query.channel,
        "form_type": query.form_type,
        "address": query.address,
        "department": routed.department.code,
        "decided_at": routed.routed_at,
        "event_id": event.id,
        "routed": routed.model_dump(mode="json"),
    }


@handlers.handles_batch(RequestSubmitted)
async def on_submitted(
    envelopes: Sequence[Envelope[RequestSubmitted]], *, routing: Routing
) -> None:
    """Decide once per request for the whole batch, record, then publish all and await acks.

    A redelivery finds the recorded decision and republishes it unchanged (same event id).
    """
    known = await routing.store.decisions([e.data.request_id for e in envelopes])
    fresh = {e.data.request_id: e for e in envelopes if e.data.request_id not in known}
    if fresh:
        queries = {rid: Query.of(e.data) for rid, e in fresh.items()}
        decided = (await routing.router()).decide_many(list(queries.values()))
        entries = []
        for (rid, query), decision in zip(queries.items(), decided, strict=True):
            event = routed_event(
                fresh[rid], decision, catalogue=routing.catalogue, settings=routing.settings
            )
            entries.append(history_entry(query, event))
            _count(decision)
        await routing.store.record_decisions(entries)
        known |= {entry["_id"]: entry for entry in entries}
    await publish_all(
        routing.publisher, [_recorded(e, known[e.data.request_id]) for e in envelopes]
    )


def _recorded(envelope: Envelope[RequestSubmitted], entry: Document) -> Envelope[RequestRouted]:
    routed = RequestRouted.model_validate(entry["routed"])
    return envelope.caused(routed, source=SOURCE, id=entry["event_id"])


def _count(decision: Decision) -> None:
    DECISIONS.labels(decision.rule.split(":")[0], decision.department).inc()
    if not decision.rule.startswith(("category:", "form:", "channel:")):
        CONFIDENCE.observe(decision.confidence)


@handlers.handles(RequestTransferred)
async def on_transferred(envelope: Envelope[RequestTransferred], *, routing: Routing) -> None:
    """An agent's transfer is the request's corrected label for the next training."""
    transfer = envelope.data
    recorded = await routing.store.record_label(
        transfer.request_id,
        {
            "department": transfer.to_department.code,
            "category": transfer.category,
            "from": transfer.from_department.code,
            "actor": transfer.actor,
            "at": transfer.transferred_at,
            "event_id": envelope.id,
        },
    )
    if not recorded:  # routed before routing kept a history: nothing to learn from
        log.info("routing.transfer_without_decision", request_id=transfer.request_id)
