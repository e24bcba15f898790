"""The agents' queue: filters, free text, keyset (cursor) pagination, soonest due first.

A cursor names the last request of a page by its sort key (due date, id), so the next page
starts right after it with an index seek, whatever the depth, and stays stable while new
requests arrive.
"""

import base64
import json
import math
import operator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from services.tracking import search
from services.tracking.access import Access
from services.tracking.queries import RUNNING, RequestFilter, merged, selector
from services.tracking.reads import scoped
from services.tracking.store import LIST_FIELDS, REQUESTS
from shared.mongo import Document
from shared.problems import ProblemError

UNASSIGNED = "none"
SORT = [("due_at", 1), ("_id", 1)]
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
MAX_BRANCHES = 12
COMPARE = {
    "$lt": operator.lt,
    "$lte": operator.le,
    "$gt": operator.gt,
    "$gte": operator.ge,
}


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
    """One flat selector where the filters allow it (see queries.merged)."""
    parts: list[dict[str, Any]] = [selector(filters.base, now=now)]
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
        parts.append({"escalated_at": {"$ne": None}, "status": {"$in": RUNNING}})
    return merged(*parts)


def plan(
    *, access: Access, filters: QueueFilter, now: datetime, cursor: str | None
) -> tuple[dict[str, Any], list[list[dict[str, Any]]]]:
    """The selector of every match, and the page's disjoint branches, each a list of seeks.

    No index is hinted: the development store walks a hinted index whole, while given a flat
    selector it looks up the index whose prefix the selector's fields are (MongoDB's planner
    picks the same one). A field among several values (`$in`) is one branch per value, each
    an index prefix, merged by sort key (a request in two is read once). After a cursor a
    branch reads two seeks in turn, the requests due at the cursor's date after its id, then
    those due later, not an `$or`, which would scan.
    """
    found = scoped(access, queue_selector(filters, now=now))
    return found, [seeks(branch, cursor) for branch in branches(found)]


def branches(found: dict[str, Any]) -> list[dict[str, Any]]:
    """`found` split on each field's `$in` values (a few at most), else itself."""
    listed = {k: v["$in"] for k, v in found.items() if isinstance(v, dict) and list(v) == ["$in"]}
    if not listed or math.prod(len(v) for v in listed.values()) > MAX_BRANCHES:
        return [found]
    split = [found]
    for key, values in listed.items():
        split = [{**branch, key: value} for branch in split for value in values]
    return split


def seeks(branch: dict[str, Any], cursor: str | None) -> list[dict[str, Any]]:
    if not cursor:
        return [branch]
    due, _ = decode_cursor(cursor)
    ties, later = after_cursor(cursor)
    bound = branch.get("due_at")
    found: list[dict[str, Any]] = []
    if isinstance(bound, dict) and _operators(bound):
        if _within(due, bound):  # the cursor's date meets the branch's range: seek it alone
            found.append({**branch, **ties})
    else:
        found.append(merged(branch, ties))
    return [*found, merged(branch, later)]


def _operators(bound: dict[str, Any]) -> bool:
    return all(op in COMPARE for op in bound)


def _within(due: datetime | None, bound: dict[str, Any]) -> bool:
    return due is not None and all(COMPARE[op](due, value) for op, value in bound.items())


def encode_cursor(doc: Document) -> str:
    due = doc.get("due_at")
    raw = json.dumps({"d": due.isoformat() if due else None, "i": doc["_id"]})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime | None, str]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return (datetime.fromisoformat(raw["d"]) if raw["d"] else None), str(raw["i"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ProblemError(400, "Curseur de pagination invalide.", field="cursor") from exc


def after_cursor(cursor: str) -> list[dict[str, Any]]:
    """The selectors of requests sorted after the cursor's (due date, id), in sort order."""
    due, last = decode_cursor(cursor)
    # Missing due dates sort first; any date sorts after them (dates compare only to dates).
    later = {"$gt": due} if due else {"$gte": EARLIEST}
    return [{"due_at": due, "_id": {"$gt": last}}, {"due_at": later}]


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
    found, planned = plan(access=access, filters=filters, now=now, cursor=cursor)
    read: dict[str, Document] = {}
    for branch in planned:
        items = await _first(db, branch, limit + 1)
        read.update((doc["_id"], doc) for doc in items)
    items = sorted(read.values(), key=sort_key)[: limit + 1]
    more = len(items) > limit
    items = items[:limit]
    # A first page holding every match is its own count; else count (a scan of the matches).
    total = len(items) if not cursor and not more else await db[REQUESTS].count_documents(found)
    return items, encode_cursor(items[-1]) if more else None, total


async def _first(
    db: AsyncDatabase[Document], branch: list[dict[str, Any]], count: int
) -> list[Document]:
    """The first `count` requests of a branch, its seeks read in turn."""
    items: list[Document] = []
    for paged in branch:
        if len(items) < count:
            query = db[REQUESTS].find(paged, LIST_FIELDS).sort(SORT).limit(count - len(items))
            items += [doc async for doc in query]
    return items


def sort_key(doc: Document) -> tuple[bool, datetime, str]:
    due = doc.get("due_at")
    return (due is not None, due or EARLIEST, str(doc["_id"]))
