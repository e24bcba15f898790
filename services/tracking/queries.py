"""Agents' filters on the request list, as MongoDB selectors (pure)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.tracking import lifecycle
from shared.events import Channel, RequestStatus

DONE = [s.value for s in lifecycle.DONE]
# The clock stops while the town waits for the citizen (clocks.py moves the deadline after).
NOT_RUNNING = [*DONE, RequestStatus.WAITING_CITIZEN.value]


@dataclass(frozen=True)
class RequestFilter:
    status: RequestStatus | None = None
    department: str | None = None
    channel: Channel | None = None
    overdue: bool | None = None
    reference: str | None = None


def overdue_selector(now: datetime) -> dict[str, Any]:
    """Requests past their due date that the town has not finished (nor paused)."""
    return {"due_at": {"$lt": now}, "status": {"$nin": NOT_RUNNING}}


def selector(filters: RequestFilter, *, now: datetime) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if filters.reference:
        found["reference"] = filters.reference
    if filters.department:
        found["department_code"] = filters.department
    if filters.channel:
        found["channel"] = filters.channel.value
    if filters.status:
        found["status"] = filters.status.value
    if filters.overdue is True:
        found = {"$and": [found, overdue_selector(now)]} if found else overdue_selector(now)
    elif filters.overdue is False:
        on_time = {
            "$or": [{"due_at": None}, {"due_at": {"$gte": now}}, {"status": {"$in": NOT_RUNNING}}]
        }
        found = {"$and": [found, on_time]} if found else on_time
    return found


def is_overdue(*, due_at: datetime | None, status: str, now: datetime) -> bool:
    return due_at is not None and due_at < now and status not in NOT_RUNNING
