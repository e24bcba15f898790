"""Tracking's hot queries are served by an index, as the store's own `explain` reports.

The queries are the real ones: each repository function runs against a seeded database while a
command listener records what it sent, and each recorded find or aggregate is explained
(queryPlanner). MongoDB and SecantusDB shape explain output alike (winningPlan stages, nested
under `$cursor` for a pipeline); `_id` equality is IDHACK / EXPRESS_IDHACK on MongoDB and an
IXSCAN on `_id_` on SecantusDB, all accepted.
"""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.monitoring import (
    CommandFailedEvent,
    CommandListener,
    CommandStartedEvent,
    CommandSucceededEvent,
)

from services.tracking import store as tracking_store
from services.tracking.queries import RequestFilter
from shared.events import Channel, RequestStatus
from tests.conftest import MONGODB_URI

INDEX_STAGES = {"IXSCAN", "IDHACK", "EXPRESS_IDHACK", "EXPRESS_IXSCAN", "COUNT_SCAN"}
NOW = datetime.now(UTC)
Query = Callable[[AsyncDatabase[Any]], Awaitable[object]]


class Recorder(CommandListener):
    """Every find and aggregate a client sends."""

    def __init__(self) -> None:
        self.commands: list[dict[str, Any]] = []

    def started(self, event: CommandStartedEvent) -> None:
        if event.command_name in ("find", "aggregate"):
            self.commands.append(dict(event.command))

    def succeeded(self, event: CommandSucceededEvent) -> None:
        pass

    def failed(self, event: CommandFailedEvent) -> None:
        pass


@dataclass
class Store:
    db: AsyncDatabase[Any]
    recorder: Recorder
    is_secantusdb: bool


@pytest.fixture(scope="module")
async def store() -> AsyncIterator[Store]:
    """One seeded database for the module: the queries only read it."""
    recorder = Recorder()
    client: AsyncMongoClient[Any] = AsyncMongoClient(MONGODB_URI, event_listeners=[recorder])
    name = f"test_plans_{uuid.uuid4().hex[:12]}"
    db = client[name]
    await tracking_store.ensure_indexes(db=db)
    await seed(db)
    build = await client.admin.command("buildInfo")
    yield Store(db, recorder, "secantusVersion" in build)
    await client.drop_database(name)
    await client.close()


async def seed(db: AsyncDatabase[Any]) -> None:
    statuses = list(RequestStatus)
    await db[tracking_store.REQUESTS].insert_many(
        {
            "_id": f"req-{n}",
            "reference": f"2026-P{n:06d}",
            "status": statuses[n % len(statuses)].value,
            "channel": "portal" if n % 2 else "email",
            "department_code": f"dept_{n % 6}",
            "due_at": NOW + timedelta(days=n % 30 - 15),
            "applied_events": [f"evt-{n}"],
        }
        for n in range(300)
    )
    await db[tracking_store.TIMELINE].insert_many(
        {"_id": f"evt-{n}", "request_id": f"req-{n % 100}", "seq": n // 100, "internal": n % 2 == 0}
        for n in range(300)
    )


def plan_stages(explained: Any) -> list[str]:
    """Every stage name of the winning plan(s), at any depth; rejected plans left out."""
    if isinstance(explained, list):
        return [stage for item in explained for stage in plan_stages(item)]
    if not isinstance(explained, dict):
        return []
    own = [explained["stage"]] if isinstance(explained.get("stage"), str) else []
    return own + [
        stage
        for key, value in explained.items()
        if key != "rejectedPlans"
        for stage in plan_stages(value)
    ]


async def explain_all(store: Store, query: Query) -> list[list[str]]:
    """Run `query`, then the stages of the plan of each command it sent."""
    store.recorder.commands.clear()
    await query(store.db)
    assert store.recorder.commands, "the query sent no find or aggregate"
    plans = []
    for command in list(store.recorder.commands):
        sent = {k: v for k, v in command.items() if not k.startswith("$") and k != "lsid"}
        explained = await store.db.command({"explain": sent, "verbosity": "queryPlanner"})
        plans.append(plan_stages(explained))
    return plans


def list_query(**filters: Any) -> Query:
    def query(db: AsyncDatabase[Any]) -> Awaitable[object]:
        return tracking_store.list_requests(
            db=db, filters=RequestFilter(**filters), now=NOW, limit=20, offset=0
        )

    return query


HOT: dict[str, Query] = {
    "load a batch's requests (consumer)": lambda db: tracking_store.load_many(
        db=db, request_ids={"req-7", "req-8"}
    ),
    "agent's request by id": lambda db: tracking_store.get_request(db=db, request_id="req-7"),
    "public lookup by reference": lambda db: tracking_store.get_by_reference(
        db=db, reference="2026-P000007"
    ),
    "timeline": lambda db: tracking_store.timeline(db=db, request_id="req-7"),
    "public timeline": lambda db: tracking_store.timeline(
        db=db, request_id="req-7", public_only=True
    ),
    "queue: everything, soonest due first": list_query(),
    "queue: a department": list_query(department="dept_1"),
    "queue: a department and a status": list_query(
        department="dept_1", status=RequestStatus.ROUTED
    ),
    "queue: a status": list_query(status=RequestStatus.IN_PROGRESS),
    "queue: a reference": list_query(reference="2026-P000007"),
    "statistics counts": lambda db: tracking_store.department_counts(db=db, now=NOW),
}
# MongoDB serves these from an index (a prefix, then a filter on the fetched documents).
# SecantusDB 0.7.0b3 plans by rule: an index only when the filter's fields are exactly an
# index's prefix (equalities, then one range or $in); $or, $and, $nin and extra fields scan.
SECANTUSDB_SCANS: dict[str, Query] = {
    "queue: overdue in a department": list_query(department="dept_1", overdue=True),
    "queue: on time in a department": list_query(department="dept_1", overdue=False),
    "queue: a channel": list_query(channel=Channel.PORTAL),
}


@pytest.mark.parametrize("name", HOT)
async def test_each_hot_query_uses_an_index(store: Store, name: str) -> None:
    for stages in await explain_all(store, HOT[name]):
        assert "COLLSCAN" not in stages, f"{name}: {stages}"
        assert INDEX_STAGES & set(stages), f"{name}: {stages}"


@pytest.mark.parametrize("name", SECANTUSDB_SCANS)
async def test_queries_beyond_secantusdb_planner_use_an_index_on_mongodb(
    store: Store, name: str
) -> None:
    plans = await explain_all(store, SECANTUSDB_SCANS[name])
    if store.is_secantusdb:
        # A known gap, kept visible: this fails once SecantusDB plans them, then move them up.
        assert any("COLLSCAN" in stages for stages in plans), f"{name}: {plans}"
    else:
        assert all("COLLSCAN" not in stages for stages in plans), f"{name}: {plans}"
