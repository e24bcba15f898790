"""Deadline and escalation watch: a periodic scan that raises events, applied like any other.

Each alert's event id is derived from the request, the stage and the due date, so several
tracking instances (or a restart) raising the same alert produce one event id, which the
consumer applies once.
"""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from pymongo.asynchronous.database import AsyncDatabase

from services.tracking import clocks, indexes, round_robin
from services.tracking.context import Tracking
from services.tracking.queries import NOT_RUNNING
from services.tracking.settings import SOURCE
from services.tracking.store import REQUESTS
from shared.envelope import Envelope
from shared.errors import BrokerUnavailable
from shared.events import DeadlineAlert, RequestEscalated
from shared.mongo import Document

log = structlog.get_logger(__name__)
NAMESPACE = uuid.UUID("5b1d3c1e-2f0a-4d8e-9a61-0c7e4f2b9d13")
BATCH = 500
FIELDS = {"reference": 1, "due_at": 1, "department_code": 1, "alerts": 1}


def alert_id(request_id: str, stage: str, due_at: datetime) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{request_id}|{stage}|{due_at.isoformat()}"))


def due_selector(stage: str, *, now: datetime, near: timedelta) -> dict[str, Any]:
    window = {"$lt": now} if stage == "missed" else {"$gte": now, "$lt": now + near}
    return {"due_at": window, "status": {"$nin": NOT_RUNNING}}


async def due_alerts(
    *, db: AsyncDatabase[Document], now: datetime, near: timedelta
) -> list[Envelope]:
    """Alerts not raised yet for the request's current due date."""
    found = []
    for stage in ("near", "missed"):
        query = db[REQUESTS].find(
            due_selector(stage, now=now, near=near), FIELDS, hint=indexes.BY_DUE
        )
        async for doc in query.limit(BATCH):
            due = doc["due_at"]
            if (doc.get("alerts") or {}).get(stage) == due:
                continue
            event = DeadlineAlert(
                request_id=doc["_id"],
                reference=doc["reference"],
                stage=stage,
                due_at=due,
                department_code=doc.get("department_code"),
                at=now,
            )
            found.append(Envelope(data=event, source=SOURCE, id=alert_id(doc["_id"], stage, due)))
    return found


async def idle_requests(
    *, db: AsyncDatabase[Document], now: datetime, idle_days: dict[str, int], default_days: int
) -> list[Envelope]:
    """Requests no agent touched for their department's number of working days."""
    calendar = clocks.town_calendar()
    found = []
    departments = set(idle_days) | {None}
    for department in departments:
        query = db[REQUESTS].find(
            {
                "status": {"$nin": NOT_RUNNING},
                "escalated_at": None,
                "department_touched": {"$ne": True},
                "department_code": department or {"$nin": [None, *idle_days]},
            },
            {"reference": 1, "department_code": 1, "submitted_at": 1, "transferred_at": 1},
            hint=indexes.BY_DEPARTMENT,
        )
        async for doc in query.limit(BATCH):
            code = doc["department_code"]
            start = doc.get("transferred_at") or doc.get("submitted_at")
            days = idle_days.get(code, default_days)
            idle = calendar.working_days_between(start, now) if start else 0
            if start is None or days <= 0 or idle < days:
                continue
            event = RequestEscalated(
                request_id=doc["_id"],
                reference=doc["reference"],
                department_code=code,
                idle_working_days=idle,
                at=now,
            )
            event_id = str(uuid.uuid5(NAMESPACE, f"{doc['_id']}|escalated|{start.isoformat()}"))
            found.append(Envelope(data=event, source=SOURCE, id=event_id))
    return found


async def scan_once(tracking: Tracking, *, now: datetime | None = None) -> int:
    settings = tracking.settings
    now = now or datetime.now(UTC)
    envelopes = await due_alerts(
        db=tracking.db, now=now, near=timedelta(hours=settings.deadline_near_hours)
    )
    envelopes += await idle_requests(
        db=tracking.db,
        now=now,
        idle_days=settings.escalation_days,
        default_days=settings.escalation_default_days,
    )
    if settings.round_robin_departments:
        envelopes += await round_robin.assignments(
            db=tracking.db,
            departments=settings.round_robin_departments,
            cap=settings.round_robin_cap,
            now=now,
        )
    for envelope in envelopes:
        await tracking.publisher.publish(envelope)
    return len(envelopes)


async def run(tracking: Tracking) -> None:
    """Scan every DEADLINE_SCAN_S until cancelled; a broker outage only delays alerts."""
    while True:
        try:
            raised = await scan_once(tracking)
            if raised:
                log.info("watch.raised", events=raised)
        except BrokerUnavailable as exc:
            log.warning("watch.broker_unavailable", error=repr(exc))
        except Exception as exc:  # the watch must outlive a database hiccup
            log.warning("watch.failed", error=repr(exc))
        await asyncio.sleep(tracking.settings.deadline_scan_s)
