"""Deadline alerts and escalation raised by tracking's watch, through the real broker: once
per due date, whatever the number of scans."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import KAFKA
from tests.integration.tracking_support import Service, tracking_service
from tests.oidc import Provider, oidc_provider
from tests.support import eventually, fresh_topics

ROUND_ROBIN = f"rr{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with oidc_provider() as running:
        yield running


@pytest.fixture(scope="module")
async def service(provider: Provider) -> AsyncIterator[Service]:
    fast = {
        "deadline_scan_s": 0.3,
        "escalation_default_days": 3,
        "round_robin_departments": [ROUND_ROBIN],
        "round_robin_cap": 1,
    }
    async with (
        fresh_topics(KAFKA) as prefix,
        tracking_service(provider, prefix, **fast) as running,
    ):
        yield running


async def test_missed_and_near_deadlines_are_raised_once(service: Service) -> None:
    department = f"d{uuid.uuid4().hex[:8]}"
    now = datetime.now(UTC)
    late = await service.routed(department, submitted_at=now - timedelta(days=20))
    near = await service.routed(department, due_at=now + timedelta(hours=12))
    agent = service.auth("agent", department=department, roles=["agent"])
    late_record = await service.record(
        late.request_id, lambda r: "deadline_missed" in [e["kind"] for e in r["timeline"]]
    )
    near_record = await service.record(
        near.request_id, lambda r: "deadline_near" in [e["kind"] for e in r["timeline"]]
    )
    assert late_record["clocks"]["resolution"]["overdue"] is True
    assert near_record["clocks"]["resolution"]["overdue"] is False
    # Twenty days untouched: escalated to the supervisors, on the management view.
    chief = service.auth("chef", department=department, roles=["supervisor"])

    async def listed() -> list[str]:
        answer = await service.http.get("/v1/queues/escalated", headers=chief)
        return [i["id"] for i in answer.json()["items"]]

    async def escalated_listed() -> bool:
        return late.request_id in await listed()

    await eventually(escalated_listed, timeout=20)
    assert near.request_id not in await listed()
    assert (await service.http.get("/v1/queues/escalated", headers=agent)).status_code == 403
    await asyncio.sleep(1.5)  # several more scans
    final = await service.record(late.request_id)
    kinds = [e["kind"] for e in final["timeline"]]
    assert kinds.count("deadline_missed") == 1 and kinds.count("escalated") == 1
    assert kinds.count("deadline_near") == 0
    near_kinds = [e["kind"] for e in (await service.record(near.request_id))["timeline"]]
    assert near_kinds.count("deadline_near") == 1 and "escalated" not in near_kinds


async def test_round_robin_assigns_in_turn_up_to_the_cap(service: Service) -> None:
    agents = [
        service.auth(f"rr-{n}", department=ROUND_ROBIN, roles=["agent"], name=f"Agent {n}")
        for n in range(2)
    ]
    for headers in agents:  # tracking learns its agents from their first call
        assert (await service.http.get("/v1/requests", headers=headers)).status_code == 200
    now = datetime.now(UTC)
    requests = [
        await service.routed(ROUND_ROBIN, due_at=now + timedelta(days=5 + n)) for n in range(3)
    ]
    first = await service.record(requests[0].request_id, lambda r: r["assignee"])
    second = await service.record(requests[1].request_id, lambda r: r["assignee"])
    assert {first["assignee"]["agent_id"], second["assignee"]["agent_id"]} == {"rr-0", "rr-1"}
    await asyncio.sleep(1.5)  # more scans: the cap (1 each) keeps the third one waiting
    third = await service.record(requests[2].request_id)
    assert third["assignee"] is None
    assert [e["kind"] for e in first["timeline"]].count("assigned") == 1
