"""Routing's hot queries are served by an index, as the store's own `explain` reports."""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from services.routing.store import Store
from tests.conftest import MONGODB_URI
from tests.integration.test_query_plans import INDEX_STAGES, Recorder, plan_stages

NOW = datetime.now(UTC)
Query = Callable[[Store], Awaitable[object]]


@pytest.fixture(scope="module")
async def store() -> AsyncIterator[tuple[Store, Recorder]]:
    recorder = Recorder()
    client: AsyncMongoClient[Any] = AsyncMongoClient(
        MONGODB_URI, event_listeners=[recorder], tz_aware=True
    )
    name = f"test_routing_plans_{uuid.uuid4().hex[:12]}"
    routing = Store(client[name])
    await routing.ensure_indexes()
    await routing.db.decisions.insert_many(
        {
            "_id": f"req-{n}",
            "text": "lampadaire éteint",
            "department": "services_techniques",
            "decided_at": NOW - timedelta(minutes=n),
            **({"label": {"department": "proprete", "at": NOW}} if n % 10 == 0 else {}),
        }
        for n in range(300)
    )
    for version in (1, 2, 3):
        for kind in ("rules", "model"):
            await routing.add_version(kind, {"actor": "a", "reason": "r", "created_at": NOW})
            await routing.activate(kind, version, actor="a", reason="r")
    yield routing, recorder
    await client.drop_database(name)
    await client.close()


HOT: dict[str, Query] = {
    "decisions of a batch by request id (consumer)": lambda s: s.decisions(["req-7", "req-9"]),
    "version in force (every reload check)": lambda s: s.active("model"),
    "a stored version": lambda s: s.version("model", 2),
    "what came before a version (rollback)": lambda s: s.first_activation("rules", 2),
    "latest requests (what-if)": lambda s: s.recent(limit=50),
    "labelled requests (retraining)": lambda s: s.labelled(),
}


@pytest.mark.parametrize("name", HOT)
async def test_each_hot_routing_query_uses_an_index(
    store: tuple[Store, Recorder], name: str
) -> None:
    routing, recorder = store
    recorder.commands.clear()
    await HOT[name](routing)
    assert recorder.commands, "the query sent no find"
    for command in list(recorder.commands):
        sent = {k: v for k, v in command.items() if not k.startswith("$") and k != "lsid"}
        explained = await routing.db.command({"explain": sent, "verbosity": "queryPlanner"})
        stages = plan_stages(explained)
        assert "COLLSCAN" not in stages, f"{name}: {stages}"
        assert INDEX_STAGES & set(stages), f"{name}: {stages}"
