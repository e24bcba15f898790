"""The tracking database: one document per request, one timeline entry per event.

Each request has a single writer (its Kafka partition's consumer), so no transactions. A batch
of events is projected in memory from the requests' stored documents (one `$in` query), then
written: the timeline entries first (their _id is the event id, a redelivery never duplicates
them), then each request's new document, with the applied event ids in `applied_events`, in
one bulk write guarded by the `event_count` it was loaded with; an event already listed is
skipped entirely. A crash between the two writes is repaired by the redelivery, which projects
from the same state again; a guard that fails (another writer came first) makes the batch
start over from the stored state.

A timeline lists entries in the order their events were applied (`seq`, the request's log
order), not by their timestamps: producers' clocks may disagree.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pymongo import ReplaceOne, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from services.tracking.projection import project
from services.tracking.queries import RequestFilter, overdue_selector, selector
from shared.envelope import Envelope
from shared.errors import TransientError
from shared.events import Event, RequestStatus
from shared.mongo import Document

REQUESTS = "requests"
TIMELINE = "timeline"
HIDDEN = {"applied_events": 0, "search_terms": 0, "visible_to": 0}
LIST_FIELDS = {
    "reference": 1,
    "status": 1,
    "channel": 1,
    "category": 1,
    "subject": 1,
    "department_code": 1,
    "department_label": 1,
    "due_at": 1,
    "submitted_at": 1,
    "updated_at": 1,
    "event_count": 1,
    "assignee": 1,
    "transfer_count": 1,
    "admin_queue": 1,
    "consulted_departments": 1,
}


# Agents' queues (equality first, then the due-date sort), the statistics' full scan, the
# unfiltered list in due order; tests/integration/test_query_plans.py checks each hot query.
QUEUE_INDEX = [("department_code", 1), ("status", 1), ("due_at", 1)]
STATUS_INDEX = [("status", 1), ("due_at", 1)]
DUE_INDEX = [("due_at", 1), ("_id", 1)]


async def ensure_indexes(*, db: AsyncDatabase[Document]) -> None:
    requests, timeline = db[REQUESTS], db[TIMELINE]
    await requests.create_index("reference", unique=True)
    for keys in (QUEUE_INDEX, STATUS_INDEX, DUE_INDEX):
        await requests.create_index(keys)
    await timeline.create_index([("request_id", 1), ("seq", 1)])


class StaleState(TransientError):
    """A request changed since the batch loaded it: start over from the stored state."""


@dataclass
class Batch:
    """Consecutive events projected in memory onto their requests, before one write."""

    states: dict[str, Document]
    """Each request's document as loaded, then as projected so far."""
    loaded: dict[str, Any] = field(default_factory=dict)
    """The `event_count` each stored request had when loaded: the write's guard."""
    touched: dict[str, None] = field(default_factory=dict)
    entries: list[Document] = field(default_factory=list)
    follow_ups: list[tuple[Envelope[Event], RequestStatus]] = field(default_factory=list)

    def add(self, envelope: Envelope[Event], *, reopen_window: timedelta) -> bool:
        """Project one event; False when its request already has it."""
        request_id = envelope.data.request_id
        current = self.states.get(request_id)
        if already_applied(current, envelope):
            return False
        projection = project(envelope, current, reopen_window=reopen_window)
        applied = [*(current or {}).get("applied_events", ()), envelope.id]
        state = {**(current or {}), **projection.changes, "applied_events": applied}
        self.states[request_id] = state
        self.touched[request_id] = None
        self.entries.append(projection.entry)
        if projection.follow_up is not None:
            self.follow_ups.append((envelope, projection.follow_up))
        return True


async def plan(
    *, db: AsyncDatabase[Document], envelopes: Sequence[Envelope[Event]], reopen_window: timedelta
) -> Batch:
    """Load the batch's requests in one query and project its events, in order, in memory."""
    stored = await load_many(db=db, request_ids={e.data.request_id for e in envelopes})
    batch = Batch(states=stored, loaded={k: d.get("event_count") for k, d in stored.items()})
    for envelope in envelopes:
        batch.add(envelope, reopen_window=reopen_window)
    return batch


async def load_many(*, db: AsyncDatabase[Document], request_ids: set[str]) -> dict[str, Document]:
    """The stored requests as the projection needs them (hidden fields included), by id."""
    found = db[REQUESTS].find({"_id": {"$in": sorted(request_ids)}})
    return {doc["_id"]: doc async for doc in found}


async def write(*, db: AsyncDatabase[Document], batch: Batch) -> None:
    """Timeline entries first (once each), then the requests' documents in one bulk write."""
    if not batch.entries:
        return
    await _insert_entries(db, batch.entries)
    operations: list[ReplaceOne[Document] | UpdateOne] = []
    for request_id in batch.touched:
        doc = {k: v for k, v in batch.states[request_id].items() if k != "_id"}
        if request_id in batch.loaded:
            guard = {"_id": request_id, "event_count": batch.loaded[request_id]}
            operations.append(ReplaceOne(guard, doc))
        else:
            operations.append(UpdateOne({"_id": request_id}, {"$setOnInsert": doc}, upsert=True))
    try:
        result = await db[REQUESTS].bulk_write(operations, ordered=False)
    except BulkWriteError as exc:
        if duplicate := next((e for e in exc.details["writeErrors"] if e["code"] == 11000), None):
            raise DuplicateKeyError(duplicate.get("errmsg", "duplicate key"), 11000) from exc
        raise
    created = len(operations) - len(batch.loaded.keys() & batch.touched.keys())
    if result.upserted_count != created or result.matched_count != len(operations) - created:
        raise StaleState("a request changed since it was loaded")


async def _insert_entries(db: AsyncDatabase[Document], entries: list[Document]) -> None:
    try:
        await db[TIMELINE].insert_many(entries, ordered=False)
    except BulkWriteError as exc:  # entries a crashed attempt already wrote are kept as they are
        if any(e["code"] != 11000 for e in exc.details["writeErrors"]):
            raise


def already_applied(current: Document | None, envelope: Envelope[Event]) -> bool:
    return current is not None and envelope.id in current.get("applied_events", ())


async def apply_event(
    *, db: AsyncDatabase[Document], envelope: Envelope[Event], reopen_window: timedelta
) -> bool:
    """Project one event onto its request; False when it was already applied."""
    batch = await plan(db=db, envelopes=[envelope], reopen_window=reopen_window)
    await write(db=db, batch=batch)
    return bool(batch.entries)


async def get_request(*, db: AsyncDatabase[Document], request_id: str) -> Document | None:
    return await db[REQUESTS].find_one({"_id": request_id}, HIDDEN)


async def get_by_reference(*, db: AsyncDatabase[Document], reference: str) -> Document | None:
    return await db[REQUESTS].find_one({"reference": reference}, HIDDEN)


async def timeline(
    *, db: AsyncDatabase[Document], request_id: str, public_only: bool = False
) -> list[Document]:
    cursor = db[TIMELINE].find({"request_id": request_id}).sort("seq", 1)
    # Internal entries are dropped here, not in the filter: a request has few entries, and the
    # filter stays the index's exact prefix, which SecantusDB's planner needs (see README).
    return [entry async for entry in cursor if not public_only or entry.get("internal") is False]


async def list_requests(
    *,
    db: AsyncDatabase[Document],
    filters: RequestFilter,
    now: datetime,
    limit: int,
    offset: int,
) -> tuple[list[Document], int]:
    """One page of matching requests, soonest due first, and how many match in all."""
    found = selector(filters, now=now)
    cursor = (
        db[REQUESTS]
        .find(found, LIST_FIELDS)
        .sort([("due_at", 1), ("_id", 1)])
        .skip(offset)
        .limit(limit)
    )
    items = [doc async for doc in cursor]
    # Unfiltered, the count would scan the collection: walk the _id index instead.
    hint: dict[str, Any] = {} if found else {"hint": "_id_"}
    return items, await db[REQUESTS].count_documents(found, **hint)


async def department_counts(
    *, db: AsyncDatabase[Document], now: datetime
) -> tuple[Counter[tuple[str | None, str]], Counter[str | None]]:
    """Requests per (department, status), and overdue requests per department."""
    by_status: Counter[tuple[str | None, str]] = Counter()
    pipeline: list[Document] = [
        {"$group": {"_id": {"d": "$department_code", "s": "$status"}, "n": {"$sum": 1}}}
    ]
    # Hinted: an unfiltered $group is a collection scan; the queue index holds both keys.
    async for row in await db[REQUESTS].aggregate(pipeline, hint=dict(QUEUE_INDEX)):
        by_status[(row["_id"].get("d"), row["_id"].get("s"))] += row["n"]
    overdue: Counter[str | None] = Counter()
    late: list[Document] = [
        {"$match": overdue_selector(now)},
        {"$group": {"_id": "$department_code", "n": {"$sum": 1}}},
    ]
    async for row in await db[REQUESTS].aggregate(late, hint=dict(STATUS_INDEX)):
        overdue[row["_id"]] += row["n"]
    return by_status, overdue
