"""The agents' queue: filters, free text, keyset (cursor) pagination, soonest due first.

A cursor names the last request of a page by its sort key (due date, id), so the next page
starts right after it with an index seek, whatever the depth, and stays stable while new
requests arrive.
"""

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from services.tracking import indexes, search
from services.tracking.access import Access
from services.tracking.queries import NOT_RUNNING, RequestFilter, selector
from services.tracking.reads import scoped
from services.tracking.store import LIST_FIELDS, REQUESTS
from shared.mongo import Document
from shared.problems import ProblemError

UNASSIGNED = "none"
SORT = [("due_at", 1), ("_id", 1)]


@dataclass(frozen=True)
class QueueFilter:
    base: RequestFilter = field(default_factory=RequestFilter)
    category: str | None = None
    assignee: str | None = None
    """An agent id, or `none` for unassigned requests."""
    due_before: datetime | None = None
    received_from: datetime | None = None
    received_to: datetime | None = None
    text: str | None = None
    admin_queue: bool = False
    escalated: bool = False


def queue_selector(filters: QueueFilter, *, now: datetime) -> dict[str, Any]:
    parts: list[dict[str, Any]] = []
    base = selector(filters.base, now=now)
    if base:
        parts.append(base)
    if filters.category:
        parts.append({"category": filters.category})
    if filters.assignee == UNASSIGNED:
        parts.append({"assignee.agent_id": None})
    elif filters.assignee:
        parts.append({"assignee.agent_id": filters.assignee})
    if filters.due_before:
        parts.append({"due_at": {"$lt": filters.due_before}})
    received = {
        op: moment
        for op, moment in (("$gte", filters.received_from), ("$lt", filters.received_to))
        if moment
    }
    if received:
        parts.append({"submitted_at": received})
    if filters.text:
        found = search.query_terms(filters.text)
        parts.append({"search_terms": {"$all": found}} if found else {"_id": {"$exists": False}})
    if filters.admin_queue:
        parts.append({"admin_queue": True})
    if filters.escalated:
        parts.append({"escalated_at": {"$ne": None}, "status": {"$nin": NOT_RUNNING}})
    return {"$and": parts} if len(parts) > 1 else (parts[0] if parts else {})


def plan(
    *, access: Access, filters: QueueFilter, now: datetime, cursor: str | None
) -> tuple[dict[str, Any], dict[str, Any], str]:
    """The selector of every match, that of the page after `cursor`, and the index to use."""
    found = scoped(access, queue_selector(filters, now=now))
    paged = {"$and": [found, after_cursor(cursor)]} if cursor else found
    return found, paged, hint(access, filters)


def hint(access: Access, filters: QueueFilter) -> str:
    """The index that narrows this query most (see indexes.py)."""
    if filters.text and search.query_terms(filters.text):
        return indexes.BY_TERMS
    if access.departments() is not None:
        return indexes.BY_VISIBLE
    if filters.admin_queue:
        return indexes.BY_ADMIN_QUEUE
    if filters.escalated:
        return indexes.BY_ESCALATED
    if filters.base.reference:
        return indexes.BY_REFERENCE
    if filters.base.department:
        return indexes.BY_DEPARTMENT
    if filters.assignee and filters.assignee != UNASSIGNED:
        return indexes.BY_ASSIGNEE
    return indexes.BY_DUE


def encode_cursor(doc: Document) -> str:
    due = doc.get("due_at")
    raw = json.dumps({"d": due.isoformat() if due else None, "i": doc["_id"]})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def after_cursor(cursor: str) -> dict[str, Any]:
    """The selector of requests sorted after the cursor's (due date, id)."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        due = datetime.fromisoformat(raw["d"]) if raw["d"] else None
        last = str(raw["i"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ProblemError(400, "Curseur de pagination invalide.", field="cursor") from exc
    if due is None:  # missing due dates sort first
        return {"$or": [{"due_at": None, "_id": {"$gt": last}}, {"due_at": {"$ne": None}}]}
    return {"$or": [{"due_at": {"$gt": due}}, {"due_at": due, "_id": {"$gt": last}}]}


async def page(
    *,
    db: AsyncDatabase[Document],
    access: Access,
    filters: QueueFilter,
    now: datetime,
    limit: int,
    cursor: str | None,
) -> tuple[list[Document], str | None, int]:
    """One page of the queue, the cursor of the next (None at the end), how many match."""
    found, paged, index = plan(access=access, filters=filters, now=now, cursor=cursor)
    query = db[REQUESTS].find(paged, LIST_FIELDS, hint=index).sort(SORT).limit(limit + 1)
    items = [doc async for doc in query]
    more = len(items) > limit
    items = items[:limit]
    total = await db[REQUESTS].count_documents(found, hint=index)
    return items, encode_cursor(items[-1]) if more else None, total
