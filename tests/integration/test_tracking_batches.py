"""Tracking's batch handler on the real store: bulk writes, redeliveries, guards, poison."""

from datetime import timedelta
from typing import Any

import pytest

from services.tracking import store
from services.tracking.context import Tracking
from services.tracking.handlers import handlers
from services.tracking.settings import TrackingSettings
from shared.events import RequestStatus
from shared.runtime import Runtime
from tests.factories import envelope, routed_for, status_for, submitted
from tests.fakes import InMemoryPublisher
from tests.harness import Harness

WINDOW = timedelta(days=15)


def _harness(db: Any) -> Harness:
    settings = TrackingSettings(mongodb_database=db.name)
    runtime = Runtime(settings=settings, publisher=InMemoryPublisher(), client=db.client)  # type: ignore[arg-type]
    tracking = Tracking(settings=settings, runtime=runtime, department_labels={})
    return Harness(handlers.bind(tracking=tracking), group="tracking")


def _stream(count: int) -> list[Any]:
    events = []
    for _ in range(count):
        request = submitted()
        events += [
            envelope(request),
            envelope(routed_for(request)),
            envelope(status_for(request, RequestStatus.IN_PROGRESS)),
        ]
    return events


async def _timeline_ids(db: Any) -> list[str]:
    return [doc["_id"] async for doc in db[store.TIMELINE].find({})]


async def test_a_batch_projects_several_events_of_a_request_in_order(mongo_db: Any) -> None:
    await store.ensure_indexes(db=mongo_db)
    events = _stream(3)
    harness = _harness(mongo_db)
    await harness.feed(*events)

    assert sorted(await _timeline_ids(mongo_db)) == sorted(e.id for e in events)
    for first in events[::3]:
        doc = await store.get_request(db=mongo_db, request_id=first.data.request_id)
        assert doc is not None
        assert doc["status"] == RequestStatus.IN_PROGRESS.value
        assert doc["event_count"] == 3
        timeline = await store.timeline(db=mongo_db, request_id=first.data.request_id)
        assert [entry["kind"] for entry in timeline] == ["submitted", "routed", "status_changed"]
        assert [entry["seq"] for entry in timeline] == [1, 2, 3]
    assert harness.committed == len(events)


async def test_a_redelivered_batch_changes_nothing(mongo_db: Any) -> None:
    events = _stream(2)
    harness = _harness(mongo_db)
    await harness.feed(*events[:4])
    await harness.feed(*events)  # the first four again, then the rest
    ids = await _timeline_ids(mongo_db)
    assert sorted(ids) == sorted(e.id for e in events)
    doc = await store.get_request(db=mongo_db, request_id=events[0].data.request_id)
    assert doc is not None
    assert doc["event_count"] == 3


async def test_a_crash_after_the_timeline_write_is_repaired_without_duplicates(
    mongo_db: Any,
) -> None:
    events = _stream(2)
    batch = await store.plan(db=mongo_db, envelopes=events, reopen_window=WINDOW)
    await mongo_db[store.TIMELINE].insert_many(batch.entries[:4])  # then the crash
    await _harness(mongo_db).feed(*events)
    assert sorted(await _timeline_ids(mongo_db)) == sorted(e.id for e in events)
    assert await mongo_db[store.REQUESTS].count_documents({}) == 2


async def test_a_request_changed_since_it_was_loaded_is_not_overwritten(mongo_db: Any) -> None:
    request = submitted()
    await store.apply_event(db=mongo_db, envelope=envelope(request), reopen_window=WINDOW)
    late = envelope(routed_for(request))
    stale = await store.plan(db=mongo_db, envelopes=[late], reopen_window=WINDOW)
    other = envelope(status_for(request, RequestStatus.IN_PROGRESS))
    await store.apply_event(db=mongo_db, envelope=other, reopen_window=WINDOW)
    with pytest.raises(store.StaleState):
        await store.write(db=mongo_db, batch=stale)
    doc = await store.get_request(db=mongo_db, request_id=request.request_id)
    assert doc is not None
    assert doc["status"] == RequestStatus.IN_PROGRESS.value


async def test_a_poison_event_in_a_batch_is_dead_lettered_alone(mongo_db: Any) -> None:
    await store.ensure_indexes(db=mongo_db)
    events = _stream(2)
    twin = envelope(submitted(reference=events[0].data.reference))  # a reference already used
    harness = _harness(mongo_db)
    await harness.feed(*events[:3], twin, *events[3:])

    [dead] = harness.dead_letters
    assert dict(dead.headers)["ce_id"] == twin.id.encode()
    assert await mongo_db[store.REQUESTS].count_documents({}) == 2
    assert len(await _timeline_ids(mongo_db)) >= len(events)
    assert harness.committed == len(events) + 1
