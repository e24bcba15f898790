"""The tracking database: one document per request, one timeline entry per event.

Each request has a single writer (its Kafka partition's consumer), so no transactions:
the timeline entry is inserted first (its _id is the event id, a redelivery never duplicates
it), then the request's derived state is $set together with the event id in
`applied_events`; an event already listed there is skipped entirely. A crash between the two
writes is repaired by the redelivery, which projects from the same state again.

A timeline lists entries in the order their events were applied (`seq`, the request's log
order), not by their timestamps: producers' clocks may disagree.
"""

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from services.tracking.projection import Projection, project
from services.tracking.queries import RequestFilter, overdue_selector, selector
from shared.envelope import Envelope
from shared.events import Event
from shared.mongo import Document, insert_once

REQUESTS = "requests"
TIMELINE = "timeline"
HIDDEN = {"applied_events": 0}
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


async def load(*, db: AsyncDatabase[Document], request_id: str) -> Document | None:
    """The stored request as the projection needs it (hidden fields included)."""
    return await db[REQUESTS].find_one({"_id": request_id})


def already_applied(current: Document | None, envelope: Envelope[Event]) -> bool:
    return current is not None and envelope.id in current.get("applied_events", ())


async def store(
    *, db: AsyncDatabase[Document], envelope: Envelope[Event], projection: Projection
) -> None:
    """Write the timeline entry once, then the derived state and the applied event id."""
    await insert_once(db, TIMELINE, projection.entry)
    await db[REQUESTS].update_one(
        {"_id": envelope.data.request_id},
        {"$set": projection.changes, "$addToSet": {"applied_events": envelope.id}},
        upsert=True,
    )


async def apply_event(
    *, db: AsyncDatabase[Document], envelope: Envelope[Event], reopen_window: timedelta
) -> bool:
    """Project one event onto its request; False when it was already applied."""
    current = await load(db=db, request_id=envelope.data.request_id)
    if already_applied(current, envelope):
        return False
    projection = project(envelope, current, reopen_window=reopen_window)
    await store(db=db, envelope=envelope, projection=projection)
    return True


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
