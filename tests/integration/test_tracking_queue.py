"""The agents' queue: every filter, free text, cursor pagination, and every query plan served
by an index."""

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.tracking import indexes, queue
from services.tracking.access import Access, Role
from services.tracking.queries import RequestFilter
from services.tracking.queue import QueueFilter
from services.tracking.store import REQUESTS
from shared.auth import Agent
from shared.events import Channel, Citizen, RequestStatus
from tests.conftest import KAFKA
from tests.integration.tracking_support import Service, tracking_service
from tests.oidc import Provider, oidc_provider
from tests.support import fresh_topics

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with oidc_provider() as running:
        yield running


@pytest.fixture(scope="module")
async def service(provider: Provider) -> AsyncIterator[Service]:
    async with fresh_topics(KAFKA) as prefix, tracking_service(provider, prefix) as running:
        yield running


async def test_filters_free_text_and_cursor_pages(service: Service) -> None:
    department = f"d{uuid.uuid4().hex[:8]}"
    me = service.auth("julie", department=department, roles=["agent"], name="Julie")
    old = await service.routed(department, submitted_at=NOW - timedelta(days=20))
    mail = await service.routed(
        department,
        submitted_at=NOW - timedelta(days=3),
        channel=Channel.EMAIL,
        subject="Lampadaire éteint",
        citizen=Citizen(name="Élodie Durand", email="elodie@example.org"),
    )
    recent = await service.routed(department, submitted_at=NOW - timedelta(hours=1))
    await service.routed(f"x{department}")  # another department: never listed
    claimed = await service.http.post(f"/v1/requests/{recent.request_id}/claim", headers=me)
    assert claimed.status_code == 200

    async def ids(**params: Any) -> list[str]:
        answer = await service.http.get("/v1/requests", params=params, headers=me)
        assert answer.status_code == 200, answer.text
        return [item["id"] for item in answer.json()["items"]]

    assert await ids() == [old.request_id, mail.request_id, recent.request_id]
    assert await ids(channel="email") == [mail.request_id]
    assert await ids(q="eclairage lampadaire") == []  # every word must match
    assert await ids(q="LAMPADAIRE éteint") == [mail.request_id]
    assert await ids(q="durand") == [mail.request_id]
    assert await ids(q=mail.reference) == [mail.request_id]
    assert await ids(assignee="me") == [recent.request_id]
    assert await ids(assignee="none") == [old.request_id, mail.request_id]
    assert await ids(overdue="true") == [old.request_id]
    assert await ids(due_before=(NOW + timedelta(days=5)).isoformat()) == [old.request_id]
    window = {
        "received_from": (NOW - timedelta(days=4)).isoformat(),
        "received_to": (NOW - timedelta(days=2)).isoformat(),
    }
    assert await ids(**window) == [mail.request_id]
    assert await ids(category="voirie", status="routed") == [
        old.request_id,
        mail.request_id,
        recent.request_id,
    ]
    naive = await service.http.get(
        "/v1/requests", params={"due_before": "2026-01-01T00:00:00"}, headers=me
    )
    assert naive.status_code == 422

    seen: list[str] = []
    cursor = None
    for _ in range(5):
        params = {"limit": 1} | ({"cursor": cursor} if cursor else {})
        page = (await service.http.get("/v1/requests", params=params, headers=me)).json()
        seen += [item["id"] for item in page["items"]]
        assert page["total"] == 3
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [old.request_id, mail.request_id, recent.request_id]
    broken = await service.http.get("/v1/requests", params={"cursor": "%%%"}, headers=me)
    assert broken.status_code == 400


async def test_supervisor_and_admin_queues(service: Service) -> None:
    department = f"d{uuid.uuid4().hex[:8]}"
    chief = service.auth("chef", department=department, roles=["supervisor"])
    agent = service.auth("agent", department=department, roles=["agent"])
    waiting = await service.routed(department)
    answer = await service.http.get("/v1/queues/unassigned", headers=chief)
    assert [i["id"] for i in answer.json()["items"]] == [waiting.request_id]
    assert (await service.http.get("/v1/queues/unassigned", headers=agent)).status_code == 403
    assert (await service.http.get("/v1/queues/admin", headers=chief)).status_code == 403
    assert (await service.http.get("/v1/queues/admin", headers=service.admin)).status_code == 200


def _stages(plan: dict[str, Any]) -> list[str]:
    found: list[str] = []
    node = plan.get("queryPlanner", plan).get("winningPlan", {})
    stack = [node]
    while stack:
        current = stack.pop()
        found.append(current.get("stage", ""))
        stack += [current["inputStage"]] if "inputStage" in current else []
        stack += current.get("inputStages", [])
    return found


ACCESSES = {
    "agent": Access(
        Agent(agent_id="a", name="", department="urbanisme"), frozenset({Role.AGENT}), "accueil"
    ),
    "triage": Access(
        Agent(agent_id="t", name="", department="accueil"), frozenset({Role.TRIAGE}), "accueil"
    ),
    "admin": Access(
        Agent(agent_id="r", name="", department="x"), frozenset({Role.ADMIN}), "accueil"
    ),
}
# The agents' everyday queues (and their own department's, below): on either store each
# seek is an index's exact prefix.
COMMON = [
    QueueFilter(),
    QueueFilter(base=RequestFilter(status=RequestStatus.ROUTED)),
    QueueFilter(base=RequestFilter(overdue=True)),
    QueueFilter(base=RequestFilter(status=RequestStatus.ROUTED, overdue=True)),
    QueueFilter(base=RequestFilter(channel=Channel.EMAIL)),
    QueueFilter(assignee="a"),
    QueueFilter(assignee="none"),
    QueueFilter(assignee="julie", due_before=NOW),
]
# Served by an index on MongoDB; SecantusDB's rule-based planner scans some of them (free
# text, on time, another department's consulted requests, the rare views).
OTHERS = [
    QueueFilter(base=RequestFilter(overdue=False)),
    QueueFilter(base=RequestFilter(department="urbanisme"), assignee="none"),
    QueueFilter(text="lampadaire durand", received_from=NOW - timedelta(days=3)),
    QueueFilter(base=RequestFilter(reference="2026-P000001")),
    QueueFilter(admin_queue=True),
    QueueFilter(escalated=True),
]


@pytest.mark.parametrize("role", sorted(ACCESSES))
async def test_every_queue_query_is_served_by_an_index(mongo_db: Any, role: str) -> None:
    """Unhinted, as the queue sends them: each seek is planned on an index by the store."""
    await indexes.ensure_indexes(db=mongo_db)
    await mongo_db[REQUESTS].insert_many(
        [
            {"_id": f"r{n}", "reference": f"2026-P{n:06d}", "visible_to": ["urbanisme"]}
            for n in range(30)
        ]
    )
    build = await mongo_db.client.admin.command("buildInfo")
    access = ACCESSES[role]
    own = RequestFilter(department=access.agent.department, status=RequestStatus.ROUTED)
    common = [*COMMON, QueueFilter(base=own)]
    checked = common if "secantusVersion" in build else common + OTHERS
    for filters in checked:
        for cursor in (None, queue.encode_cursor({"_id": "r3", "due_at": NOW})):
            _, planned = queue.plan(access=access, filters=filters, now=NOW, cursor=cursor)
            for paged in [seek for branch in planned for seek in branch]:
                plan = await mongo_db[REQUESTS].find(paged).sort(queue.SORT).explain()
                stages = _stages(plan)
                assert "IXSCAN" in stages and "COLLSCAN" not in stages, (role, paged, stages)
    lookup = await mongo_db[REQUESTS].find(access.within("r1"), hint=indexes.BY_ID).explain()
    assert "COLLSCAN" not in _stages(lookup)
