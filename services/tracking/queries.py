"""Agents' filters on the request list, as MongoDB selectors (pure)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.tracking import lifecycle
from shared.events import Channel, RequestStatus

DONE = [s.value for s in lifecycle.DONE]
# The clock stops while the town waits for the citizen (clocks.py moves the deadline after).
NOT_RUNNING = [*DONE, RequestStatus.WAITING_CITIZEN.value]
RUNNING = [s.value for s in RequestStatus if s.value not in NOT_RUNNING]


@dataclass(frozen=True)
class RequestFilter:
    status: RequestStatus | None = None
    department: str | None = None
    channel: Channel | None = None
    overdue: bool | None = None
    reference: str | None = None


def overdue_selector(now: datetime) -> dict[str, Any]:
    """Requests past their due date that the town has not finished (nor paused)."""
    return {"due_at": {"$lt": now}, "status": {"$in": RUNNING}}


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
        found = merged(found, overdue_selector(now))
    elif filters.overdue is False:
        on_time = {
            "$or": [{"due_at": None}, {"due_at": {"$gte": now}}, {"status": {"$in": NOT_RUNNING}}]
        }
        found = merged(found, on_time)
    return found


def merged(*selectors: dict[str, Any]) -> dict[str, Any]:
    """The conjunction of selectors as one flat document where their fields do not clash.

    A flat filter whose fields are an index's prefix is what a rule-based planner (the
    development store's) serves from that index; an `$and` makes it scan. Two operator
    documents on one field (`$gte` and `$lt`) become one range; other clashes keep `$and`.
    """
    flat: dict[str, Any] = {}
    rest: list[dict[str, Any]] = []
    for part in filter(None, selectors):
        if any(_clash(flat.get(k), v) for k, v in part.items() if k in flat):
            rest.append(part)
            continue
        for key, value in part.items():
            flat[key] = _both(flat[key], value) if key in flat else value
    return {"$and": [flat, *rest]} if rest else flat


def _both(old: Any, new: Any) -> Any:
    if _listed(old, new):
        return new
    if _listed(new, old):
        return old
    return {**old, **new}


def _listed(values: Any, value: Any) -> bool:
    """`value` is one of an `$in`'s `values`: their conjunction is `value` alone."""
    return isinstance(values, dict) and list(values) == ["$in"] and value in values["$in"]


def _clash(old: Any, new: Any) -> bool:
    if _listed(old, new) or _listed(new, old):
        return False
    operators = isinstance(old, dict) and isinstance(new, dict)
    return not operators or bool(old.keys() & new.keys()) or not _ops(old) or not _ops(new)


def _ops(value: dict[str, Any]) -> bool:
    return bool(value) and all(k.startswith("$") for k in value)


def is_overdue(*, due_at: datetime | None, status: str, now: datetime) -> bool:
    return due_at is not None and due_at < now and status not in NOT_RUNNING
