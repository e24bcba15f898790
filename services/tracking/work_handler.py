"""The consumer side of agents' actions: decided and applied by tracking, the single writer."""

from typing import Any

import structlog

from services.tracking import outcomes, store
from services.tracking.context import Tracking
from services.tracking.projection import Projection
from services.tracking.versions import version_of
from services.tracking.work import ACTION_EVENTS, decide, project_action
from shared.envelope import Envelope
from shared.kafka.handlers import Handlers
from shared.mongo import Document

log = structlog.get_logger(__name__)


async def on_action(envelope: Envelope[Any], *, tracking: Tracking) -> None:
    db = tracking.db
    request_id = envelope.data.request_id
    current = (await store.load_many(db=db, request_ids={request_id})).get(request_id)
    state = current or {}
    if store.already_applied(current, envelope) or await outcomes.find(db=db, event_id=envelope.id):
        log.info("event.already_applied", type=envelope.type)
        await _ensure_outcome(tracking, envelope, state)
        return
    refusal = decide(envelope.data, state)
    if refusal is not None:
        log.info("action.refused", type=envelope.type, status=refusal.status)
        refused = (refusal.status, refusal.detail, refusal.extra)
        await outcomes.record(db=db, envelope=envelope, version=version_of(state), refused=refused)
    else:
        projection = project_action(envelope, state)
        await store.write(db=db, batch=_batch(envelope, current, projection))
        version = int(projection.changes["event_count"])
        await outcomes.record(db=db, envelope=envelope, version=version)
    tracking.waiters.wake(envelope.id)


async def _ensure_outcome(tracking: Tracking, envelope: Envelope, state: dict[str, Any]) -> None:
    """A crash between the state write and the outcome: record it now (applied)."""
    if await outcomes.find(db=tracking.db, event_id=envelope.id) is None:
        await outcomes.record(db=tracking.db, envelope=envelope, version=version_of(state))
    tracking.waiters.wake(envelope.id)


def _batch(
    envelope: Envelope[Any], current: Document | None, projection: Projection
) -> store.Batch:
    """One applied action, written like the projection's batches (guarded by event_count)."""
    request_id = envelope.data.request_id
    state = current or {}
    applied = [*state.get("applied_events", ()), envelope.id]
    new_state = {**state, **projection.changes, "applied_events": applied}
    loaded = {request_id: state.get("event_count")} if current is not None else {}
    return store.Batch(
        states={request_id: new_state},
        loaded=loaded,
        touched={request_id: None},
        entries=[projection.entry],
    )


def register(handlers: Handlers) -> None:
    """Agents' actions, one at a time: each is decided against the request's stored state."""
    for event_type in ACTION_EVENTS:
        handlers.register(event_type, on_action)
