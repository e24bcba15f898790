"""Tracking's store on the real MongoDB-wire server: idempotent projection, queries, counts."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo.errors import DuplicateKeyError

from services.tracking import store
from services.tracking.projection import project
from services.tracking.queries import RequestFilter
from shared.envelope import Envelope
from shared.events import (
    Department,
    Event,
    RequestRouted,
    RequestStatus,
    RequestStatusChanged,
    RequestSubmitted,
)
from tests.factories import submitted

WINDOW = timedelta(days=15)
NOW = datetime.now(UTC)


def env(data: Event, **kwargs: Any) -> Envelope:
    return Envelope(data=data, source="/relais/tests", **kwargs)


def routed_for(request: RequestSubmitted, *, department: str, due_in: timedelta) -> RequestRouted:
    return RequestRouted(
        request_id=request.request_id,
        reference=request.reference,
        department=Department(code=department, label=department.title()),
        due_at=NOW + due_in,
        rule="category:voirie",
        explanation="Catégorie « Voirie ».",
        routed_at=request.submitted_at + timedelta(minutes=1),
    )


async def apply(db: Any, *envelopes: Envelope) -> list[bool]:
    return [await store.apply_event(db=db, envelope=e, reopen_window=WINDOW) for e in envelopes]


async def test_re_applying_an_event_changes_nothing(mongo_db: Any) -> None:
    await store.ensure_indexes(db=mongo_db)
    request = submitted()
    first = env(request)
    routed = env(routed_for(request, department="voirie_test", due_in=timedelta(days=3)))
    assert await apply(mongo_db, first, routed) == [True, True]
    before = await store.get_request(db=mongo_db, request_id=request.request_id)
    assert await apply(mongo_db, first, routed) == [False, False]
    after = await store.get_request(db=mongo_db, request_id=request.request_id)
    assert before == after
    assert after is not None and after["status"] == "routed" and after["event_count"] == 2
    entries = await store.timeline(db=mongo_db, request_id=request.request_id)
    assert [e["_id"] for e in entries] == [first.id, routed.id]


async def test_a_crash_between_the_two_writes_is_repaired_by_the_redelivery(mongo_db: Any) -> None:
    await store.ensure_indexes(db=mongo_db)
    request = submitted()
    await apply(mongo_db, env(request))
    change = env(
        RequestStatusChanged(
            request_id=request.request_id,
            reference=request.reference,
            status=RequestStatus.CANCELLED,
            actor="julie-moreau",
            changed_at=NOW,
        )
    )
    current = await mongo_db[store.REQUESTS].find_one({"_id": request.request_id})
    # The entry was written, then the process died before the request's state was updated.
    entry = project(change, current, reopen_window=WINDOW).entry
    await mongo_db[store.TIMELINE].insert_one(entry)
    assert await apply(mongo_db, change) == [True]
    doc = await store.get_request(db=mongo_db, request_id=request.request_id)
    assert doc is not None and doc["status"] == "cancelled"
    assert await mongo_db[store.TIMELINE].count_documents({"request_id": request.request_id}) == 2


async def test_a_reference_belongs_to_one_request(mongo_db: Any) -> None:
    await store.ensure_indexes(db=mongo_db)
    request = submitted()
    await apply(mongo_db, env(request))
    twin = submitted(reference=request.reference)
    with pytest.raises(DuplicateKeyError):
        await apply(mongo_db, env(twin))


async def test_lists_filter_sort_by_due_date_and_paginate(mongo_db: Any) -> None:
    await store.ensure_indexes(db=mongo_db)
    requests = [submitted() for _ in range(4)]
    dues = [timedelta(days=2), timedelta(days=-1), timedelta(days=5), timedelta(hours=-2)]
    for request, due in zip(requests, dues, strict=True):
        await apply(
            mongo_db, env(request), env(routed_for(request, department="proprete", due_in=due))
        )
    await apply(mongo_db, env(submitted()))  # not routed yet: no department
    items, total = await store.list_requests(
        db=mongo_db, filters=RequestFilter(department="proprete"), now=NOW, limit=2, offset=1
    )
    assert total == 4
    assert [i["_id"] for i in items] == [requests[3].request_id, requests[0].request_id]
    assert "citizen" not in items[0] and "applied_events" not in items[0]
    late, total = await store.list_requests(
        db=mongo_db, filters=RequestFilter(overdue=True), now=NOW, limit=10, offset=0
    )
    assert total == 2
    assert {i["_id"] for i in late} == {requests[1].request_id, requests[3].request_id}
    on_time, total = await store.list_requests(
        db=mongo_db, filters=RequestFilter(overdue=False), now=NOW, limit=10, offset=0
    )
    assert total == 3
    assert {requests[0].request_id, requests[2].request_id} < {i["_id"] for i in on_time}
    by_ref, total = await store.list_requests(
        db=mongo_db,
        filters=RequestFilter(reference=requests[2].reference, status=RequestStatus.ROUTED),
        now=NOW,
        limit=10,
        offset=0,
    )
    assert total == 1 and by_ref[0]["_id"] == requests[2].request_id


async def test_department_counts_by_status_and_overdue(mongo_db: Any) -> None:
    await store.ensure_indexes(db=mongo_db)
    late, soon, done = submitted(), submitted(), submitted()
    for request, due in ((late, -1), (soon, 3), (done, -2)):
        await apply(
            mongo_db,
            env(request),
            env(routed_for(request, department="urbanisme", due_in=timedelta(days=due))),
        )
    resolve = RequestStatusChanged(
        request_id=done.request_id,
        reference=done.reference,
        status=RequestStatus.RESOLVED,
        actor="a",
        changed_at=NOW,
    )
    await apply(mongo_db, env(resolve), env(submitted()))
    by_status, overdue = await store.department_counts(db=mongo_db, now=NOW)
    assert by_status == {
        ("urbanisme", "routed"): 2,
        ("urbanisme", "resolved"): 1,
        (None, "received"): 1,
    }
    assert overdue == {"urbanisme": 1}
