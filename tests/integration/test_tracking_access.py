"""RBAC matrix: every agents' endpoint of tracking × role × own / other department, with real
tokens from the test OpenID Connect provider. Another department's request must answer exactly
like an unknown one (status and body), a missing role 403, and nothing may leak through lists
or counts.

Commands are sent with a stale If-Match, so a caller who got past the access checks receives
412 and nothing is published: the matrix leaves the requests untouched.
"""

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import KAFKA
from tests.integration.tracking_support import Service, tracking_service
from tests.oidc import Provider, oidc_provider
from tests.support import fresh_topics

DEPARTMENT = "services_techniques"
OTHER = "urbanisme"
TRIAGE = "accueil"
STALE = {"If-Match": '"999999"'}
UNKNOWN_ID = "f" * 32


@dataclass(frozen=True)
class Caller:
    name: str
    department: str
    roles: list[str]


CALLERS = [
    Caller("sans_role", DEPARTMENT, []),
    Caller("agent", DEPARTMENT, ["agent"]),
    Caller("supervisor", DEPARTMENT, ["supervisor"]),
    Caller("triage", TRIAGE, ["triage"]),
    Caller("admin", "ressources_humaines", ["admin"]),
]
ALL = {"agent", "supervisor", "triage", "admin"}
WORKERS = {"agent", "supervisor", "admin"}
MANAGERS = {"supervisor", "admin"}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    roles: set[str]
    success: int
    body: dict[str, Any] | None = None
    stale: bool = False


ENDPOINTS = [
    Endpoint("GET", "/v1/requests/{id}", ALL, 200),
    Endpoint("POST", "/v1/requests/{id}/status", WORKERS, 409, {"status": "closed"}),
    Endpoint("POST", "/v1/requests/{id}/claim", WORKERS, 412, stale=True),
    Endpoint("POST", "/v1/requests/{id}/assign", MANAGERS, 422, {"agent_id": "personne"}),
    Endpoint("POST", "/v1/requests/{id}/unassign", WORKERS, 412, stale=True),
    Endpoint("POST", "/v1/requests/{id}/notes", ALL, 412, {"text": "Note"}, stale=True),
    Endpoint("POST", "/v1/requests/{id}/replies", WORKERS, 412, {"text": "Réponse"}, stale=True),
    Endpoint("POST", "/v1/requests/{id}/questions", WORKERS, 412, {"text": "Pièce ?"}, stale=True),
    Endpoint(
        "POST",
        "/v1/requests/{id}/consultations",
        WORKERS,
        412,
        {"department": "proprete", "question": "Avis ?"},
        stale=True,
    ),
    Endpoint("POST", "/v1/requests/{id}/merge", WORKERS, 412, {"duplicate_of": "{id}"}, stale=True),
    Endpoint(
        "POST",
        "/v1/requests/{id}/transfer",
        ALL,
        412,
        {"department": "proprete", "reason": "Mauvais service"},
        stale=True,
    ),
]


@dataclass
class World:
    service: Service
    own: dict[str, str]
    """Request id in each caller's own scope, by caller name."""
    other: dict[str, str]


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with oidc_provider() as running:
        yield running


@pytest.fixture(scope="module")
async def world(provider: Provider) -> AsyncIterator[World]:
    async with fresh_topics(KAFKA) as prefix, tracking_service(provider, prefix) as service:
        mine = (await service.routed(DEPARTMENT)).request_id
        theirs = (await service.routed(OTHER)).request_id
        front = (await service.routed(TRIAGE)).request_id
        own = {c.name: mine for c in CALLERS} | {"triage": front}
        other = {c.name: theirs for c in CALLERS} | {"triage": mine}
        yield World(service=service, own=own, other=other)


def headers_for(world: World, caller: Caller) -> dict[str, str]:
    return world.service.auth(f"{caller.name}-1", department=caller.department, roles=caller.roles)


async def call(world: World, endpoint: Endpoint, request_id: str, headers: dict[str, str]) -> Any:
    extra = STALE if endpoint.stale else {}
    body = endpoint.body
    if body and body.get("duplicate_of"):
        body = {"duplicate_of": request_id}
    return await world.service.http.request(
        endpoint.method,
        endpoint.path.format(id=request_id),
        json=body,
        headers={**headers, **extra},
    )


def expected(endpoint: Endpoint, caller: Caller, *, own: bool) -> int:
    if caller.name not in endpoint.roles:
        return 403
    if own or caller.name == "admin":
        return endpoint.success
    return 404


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method} {e.path}")
async def test_rbac_matrix(world: World, endpoint: Endpoint) -> None:
    failures: list[tuple[object, ...]] = []
    for caller in CALLERS:
        headers = headers_for(world, caller)
        unknown = await call(world, endpoint, UNKNOWN_ID, headers)
        for own in (True, False):
            request_id = (world.own if own else world.other)[caller.name]
            answer = await call(world, endpoint, request_id, headers)
            want = expected(endpoint, caller, own=own)
            if answer.status_code != want:
                failures.append((caller.name, own, answer.status_code, want, answer.text[:200]))
            elif want == 404 and (answer.text != unknown.text or unknown.status_code != 404):
                failures.append((caller.name, own, "404 differs from unknown", answer.text))
    no_token = await call(world, endpoint, world.own["agent"], {})
    assert no_token.status_code == 401
    assert failures == []


async def test_lists_and_counts_stay_within_the_department(world: World) -> None:
    http = world.service.http
    for caller in CALLERS:
        headers = headers_for(world, caller)
        listing = await http.get("/v1/requests", params={"limit": 200}, headers=headers)
        stats = await http.get("/v1/stats/departments", headers=headers)
        if not caller.roles:
            assert listing.status_code == stats.status_code == 403
            continue
        assert listing.status_code == 200 and stats.status_code == 200
        ids = {item["id"] for item in listing.json()["items"]}
        departments = {(line["department"] or {}).get("code") for line in stats.json()}
        assert world.own[caller.name] in ids
        if caller.name == "admin":
            assert {DEPARTMENT, OTHER, TRIAGE} <= departments
            continue
        assert world.other[caller.name] not in ids, caller
        assert listing.json()["total"] == len(ids) == 1
        visible = {caller.department} | ({None} if caller.name == "triage" else set())
        assert departments <= visible, caller
        asked_other = await http.get("/v1/requests", params={"department": OTHER}, headers=headers)
        assert asked_other.json()["items"] == [] and asked_other.json()["total"] == 0


async def test_triage_sees_unrouted_requests_and_agents_do_not(world: World) -> None:
    unrouted = await world.service.routed(None)
    http = world.service.http
    triage = headers_for(world, CALLERS[3])
    agent = headers_for(world, CALLERS[1])
    assert (
        await http.get(f"/v1/requests/{unrouted.request_id}", headers=triage)
    ).status_code == 200
    assert (await http.get(f"/v1/requests/{unrouted.request_id}", headers=agent)).status_code == 404


async def test_adoption_statistics_for_supervisors_of_the_department_and_admins(
    world: World,
) -> None:
    http = world.service.http
    url = "/v1/stats/adoption"
    by_name = {c.name: headers_for(world, c) for c in CALLERS}
    for name in ("sans_role", "agent", "triage"):
        assert (await http.get(url, headers=by_name[name])).status_code == 403
    own = await http.get(url, headers=by_name["supervisor"])
    assert own.status_code == 200
    assert {line["department"] for line in own.json()["weeks"]} == {DEPARTMENT}
    assert set(own.json()["backlog_by_age"]) == {DEPARTMENT}
    other = await http.get(url, params={"department": OTHER}, headers=by_name["supervisor"])
    assert other.status_code == 403
    everything = await http.get(url, headers=by_name["admin"])
    assert {DEPARTMENT, OTHER, TRIAGE} <= {
        line["department"] for line in everything.json()["weeks"]
    }
    exported = await http.get(
        url, params={"format": "csv", "department": OTHER}, headers=by_name["admin"]
    )
    assert exported.headers["content-type"].startswith("text/csv")
    rows = exported.text.strip().split("\n")
    assert rows[0].startswith("department,week,received") and rows[1].startswith(f"{OTHER},")


async def test_queues_keep_to_the_caller_scope(world: World) -> None:
    http = world.service.http
    expectations = {
        "/v1/queues/unassigned": {"supervisor", "admin"},
        "/v1/queues/escalated": {"supervisor", "admin"},
        "/v1/queues/overdue": ALL,
        "/v1/queues/admin": {"admin"},
    }
    for path, allowed in expectations.items():
        for caller in CALLERS:
            answer = await http.get(path, headers=headers_for(world, caller))
            assert answer.status_code == (200 if caller.name in allowed else 403), (path, caller)
            if answer.status_code == 200 and caller.name != "admin":
                ids = {item["id"] for item in answer.json()["items"]}
                assert world.other[caller.name] not in ids
    unassigned = await http.get("/v1/queues/unassigned", headers=headers_for(world, CALLERS[2]))
    assert [i["id"] for i in unassigned.json()["items"]] == [world.own["supervisor"]]
