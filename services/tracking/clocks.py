"""A request's deadline clocks: first response and resolution, in working days, paused while
the town waits for the citizen (pure).

When a request leaves "waiting for the citizen", its resolution deadline moves later by the
working days it waited; the pause is kept in `pauses` so agents can see why.
"""

import os
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from services.tracking import lifecycle
from services.tracking.deadlines import Calendar, calendar_for
from shared.events import RequestStatus
from shared.mongo import Document

WAITING = RequestStatus.WAITING_CITIZEN.value
FIRST_RESPONSE_DAYS = 2


@cache
def town_calendar() -> Calendar:
    """The town's calendar, from the same TIMEZONE and CLOSING_TIME as routing."""
    return calendar_for(
        timezone=os.environ.get("TIMEZONE", "Europe/Paris"),
        closing_time=os.environ.get("CLOSING_TIME", "17:30"),
    )


def pause_changes(
    state: Document, changes: Document, at: datetime, calendar: Calendar | None = None
) -> Document:
    """Start or end the pause when the status enters or leaves "waiting for the citizen"."""
    before, after = state.get("status"), changes.get("status", state.get("status"))
    if after == WAITING and before != WAITING:
        return {"waiting_since": at}
    since = state.get("waiting_since")
    if before != WAITING or after == WAITING or since is None:
        return {}
    calendar = calendar or town_calendar()
    days = calendar.working_days_between(since, at)
    found: Document = {
        "waiting_since": None,
        "pauses": [*(state.get("pauses") or []), {"from": since, "to": at, "working_days": days}],
    }
    due = changes.get("due_at", state.get("due_at"))
    if due is not None and days:
        found["due_at"] = calendar.shift(due, days)
    return found


@dataclass(frozen=True)
class Clock:
    due_at: datetime | None
    done_at: datetime | None
    paused: bool
    overdue: bool


def first_response(doc: Document, *, now: datetime, calendar: Calendar) -> Clock:
    """Two working days from submission, moved later by the waits for the citizen before it."""
    submitted = doc.get("submitted_at")
    due = calendar.due(submitted, FIRST_RESPONSE_DAYS) if submitted else None
    done = doc.get("first_response_at")
    waited = sum(
        p["working_days"] for p in doc.get("pauses") or [] if done is None or p["from"] < done
    )
    if due is not None and waited:
        due = calendar.shift(due, waited)
    paused = done is None and doc.get("status") == WAITING
    overdue = due is not None and not paused and (done or now) > due
    return Clock(due_at=due, done_at=done, paused=paused, overdue=overdue)


def resolution(doc: Document, *, now: datetime) -> Clock:
    due, status = doc.get("due_at"), doc.get("status")
    finished = status in {s.value for s in lifecycle.DONE}
    done = (doc.get("finished_at") or doc.get("status_changed_at")) if finished else None
    paused = status == WAITING
    overdue = due is not None and not paused and (done or now) > due
    return Clock(due_at=due, done_at=done, paused=paused, overdue=overdue)
