"""Agents' reads of the tracking store, always within the caller's scope (see access.py)."""

from collections import Counter
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from services.tracking import indexes
from services.tracking.access import Access
from services.tracking.queries import merged, overdue_selector
from services.tracking.store import HIDDEN, REQUESTS
from shared.mongo import Document


def scoped(access: Access, selector: dict[str, Any], *, consulted: bool = True) -> dict[str, Any]:
    departments = access.departments()
    if departments is not None and selector.get("department_code", ()) in departments:
        return selector  # one of the caller's own departments: inside the scope already
    return merged(selector, access.scope(consulted=consulted))


async def get_request(
    *, db: AsyncDatabase[Document], access: Access, request_id: str
) -> Document | None:
    """The request if it exists and the caller may see it: one lookup either way."""
    return await db[REQUESTS].find_one(access.within(request_id), HIDDEN, hint=indexes.BY_ID)


async def department_counts(
    *, db: AsyncDatabase[Document], access: Access, now: datetime
) -> tuple[Counter[tuple[str | None, str]], Counter[str | None]]:
    """Requests per (department, status), and overdue requests per department, in scope."""
    by_status: Counter[tuple[str | None, str]] = Counter()
    pipeline: list[Document] = [
        {"$match": scoped(access, {}, consulted=False)},
        {"$group": {"_id": {"d": "$department_code", "s": "$status"}, "n": {"$sum": 1}}},
    ]
    async for row in await db[REQUESTS].aggregate(pipeline, hint=indexes.BY_QUEUE):
        by_status[(row["_id"].get("d"), row["_id"].get("s"))] += row["n"]
    overdue: Counter[str | None] = Counter()
    late: list[Document] = [
        {"$match": scoped(access, overdue_selector(now), consulted=False)},
        {"$group": {"_id": "$department_code", "n": {"$sum": 1}}},
    ]
    async for row in await db[REQUESTS].aggregate(late, hint=indexes.BY_STATUS):
        overdue[row["_id"]] += row["n"]
    return by_status, overdue
