"""Agents' actions through the real broker and back: claims (one winner out of 20), If-Match,
assignment, internal notes, public replies, questions to the citizen, transfers and the
transfer loop ending in the admin queue."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import datetime

import pytest

from shared.envelope import decode
from shared.events import RequestTransferred
from shared.kafka.topics import REQUESTS
from tests.conftest import KAFKA
from tests.factories import TOKEN
from tests.integration.tracking_support import Service, tracking_service
from tests.oidc import Provider, oidc_provider
from tests.support import fresh_topics, read_log

DEPARTMENT = "services_techniques"


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with oidc_provider() as running:
        yield running


@pytest.fixture(scope="module")
async def prefix() -> AsyncIterator[str]:
    async with fresh_topics(KAFKA) as name:
        yield name


@pytest.fixture(scope="module")
async def service(provider: Provider, prefix: str) -> AsyncIterator[Service]:
    async with tracking_service(provider, prefix) as running:
        yield running


def agent(
    service: Service, n: int = 1, *, department: str = DEPARTMENT, roles: list[str] | None = None
) -> dict[str, str]:
    return service.auth(
        f"agent-{department}-{n}",
        department=department,
        roles=roles or ["agent"],
        name=f"Agent {n}",
    )


async def test_twenty_concurrent_claims_make_exactly_one_winner(service: Service) -> None:
    request = await service.routed(DEPARTMENT)
    url = f"/v1/requests/{request.request_id}/claim"
    callers = [agent(service, n) for n in range(20)]
    answers = await asyncio.gather(*(service.http.post(url, headers=h) for h in callers))
    codes = sorted(a.status_code for a in answers)
    assert codes == [200] + [409] * 19, [a.text for a in answers if a.status_code not in (200, 409)]
    winner = next(a for a in answers if a.status_code == 200).json()
    assert winner["applied"] is True
    assignee = winner["request"]["assignee"]
    losers = [a.json() for a in answers if a.status_code == 409]
    assert all(loser["assignee"] == assignee for loser in losers)
    assert all(loser["detail"].startswith("Demande déjà prise en charge par") for loser in losers)
    record = await service.record(request.request_id)
    assert record["assignee"] == assignee
    assert [e["kind"] for e in record["timeline"]].count("assigned") == 1


async def test_if_match_refuses_a_stale_version_before_and_after_the_log(service: Service) -> None:
    request = await service.routed(DEPARTMENT)
    me = agent(service)
    url = f"/v1/requests/{request.request_id}"
    seen = await service.http.get(url, headers=me)
    version = seen.json()["version"]
    assert seen.headers["etag"] == f'"{version}"'
    stale = await service.http.post(
        f"{url}/notes", json={"text": "Périmée"}, headers={**me, "If-Match": f'"{version - 1}"'}
    )
    assert stale.status_code == 412 and stale.json()["current_version"] == version
    # Five notes on the same fresh version at once: the log orders them, one is applied.
    fresh = {**me, "If-Match": f'"{version}"'}
    answers = await asyncio.gather(
        *(
            service.http.post(f"{url}/notes", json={"text": f"n{n}"}, headers=fresh)
            for n in range(5)
        )
    )
    assert sorted(a.status_code for a in answers) == [200, 412, 412, 412, 412]
    applied = next(a for a in answers if a.status_code == 200)
    assert (
        applied.headers["etag"] == f'"{version + 1}"' and applied.json()["version"] == version + 1
    )
    bad = await service.http.post(f"{url}/claim", headers={**me, "If-Match": "abc"})
    assert bad.status_code == 400


async def test_a_supervisor_assigns_only_to_an_agent_of_the_department(service: Service) -> None:
    request = await service.routed(DEPARTMENT)
    chief = agent(service, 99, roles=["supervisor"])
    colleague = agent(service, 7)
    outsider = agent(service, 8, department="urbanisme")
    for known in (colleague, outsider):  # tracking learns agents from their first call
        assert (await service.http.get("/v1/requests", headers=known)).status_code == 200
    url = f"/v1/requests/{request.request_id}/assign"
    to_outsider = await service.http.post(
        url, json={"agent_id": "agent-urbanisme-8"}, headers=chief
    )
    assert to_outsider.status_code == 422
    done = await service.http.post(url, json={"agent_id": f"agent-{DEPARTMENT}-7"}, headers=chief)
    assert done.status_code == 200, done.text
    assert done.json()["request"]["assignee"] == {
        "agent_id": f"agent-{DEPARTMENT}-7",
        "name": "Agent 7",
    }
    # Another agent may not take it from their colleague; the supervisor may.
    unassign = f"/v1/requests/{request.request_id}/unassign"
    assert (await service.http.post(unassign, headers=agent(service, 3))).status_code == 403
    freed = await service.http.post(unassign, headers=chief)
    assert freed.status_code == 200 and freed.json()["request"]["assignee"] is None


async def test_notes_stay_internal_replies_and_questions_reach_the_citizen(
    service: Service,
) -> None:
    request = await service.routed(DEPARTMENT)
    me = agent(service)
    url = f"/v1/requests/{request.request_id}"
    note = await service.http.post(f"{url}/notes", json={"text": "NOTE-SECRETE-42"}, headers=me)
    reply = await service.http.post(
        f"{url}/replies", json={"text": "Nous passons jeudi."}, headers=me
    )
    assert note.status_code == reply.status_code == 200
    assert reply.json()["request"]["status"] == "routed"  # a reply does not change the status
    ask = await service.http.post(f"{url}/questions", json={"text": "Photo du trou ?"}, headers=me)
    assert ask.status_code == 200 and ask.json()["request"]["status"] == "waiting_citizen"
    public = await service.http.get(
        f"/v1/public/requests/{request.reference}", headers={"X-Tracking-Token": TOKEN}
    )
    assert public.status_code == 200
    assert "Nous passons jeudi." in public.text and "Photo du trou ?" in public.text
    assert "NOTE-SECRETE-42" not in public.text
    assert public.json()["status"] == "waiting_citizen"
    record = await service.record(request.request_id)
    kinds = [e["kind"] for e in record["timeline"]]
    assert kinds[-3:] == ["internal_note", "agent_reply", "citizen_asked"]
    assert record["clocks"]["resolution"]["paused"] is True  # waiting for the citizen
    assert record["clocks"]["first_response"]["done_at"] is not None
    assert record["timeline"][-3]["internal_comment"] == "NOTE-SECRETE-42"
    assert record["timeline"][-3]["internal"] is True


async def test_a_transfer_moves_the_request_and_restarts_its_deadline(
    service: Service, prefix: str
) -> None:
    request = await service.routed(DEPARTMENT)
    me = agent(service)
    url = f"/v1/requests/{request.request_id}"
    before = (await service.http.get(url, headers=me)).json()
    moved = await service.http.post(
        f"{url}/transfer", json={"department": "proprete", "reason": "Dépôt sauvage"}, headers=me
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["request"] is None  # out of the sender's scope now
    assert (await service.http.get(url, headers=me)).status_code == 404
    theirs = await service.http.get(url, headers=agent(service, department="proprete"))
    record = theirs.json()
    assert record["department"]["code"] == "proprete" and record["transfer_count"] == 1
    assert datetime.fromisoformat(record["due_at"]) != datetime.fromisoformat(before["due_at"])
    assert record["timeline"][-1]["internal_comment"] == "Dépôt sauvage"
    unknown = await service.http.post(
        f"{url}/transfer", json={"department": "nulle_part", "reason": "x"}, headers=me
    )
    assert unknown.status_code == 404  # no longer the sender's request
    log = [decode(r) for r in await read_log(KAFKA, prefix + REQUESTS)]
    transfers = [e.data for e in log if isinstance(e.data, RequestTransferred)]
    mine = [t for t in transfers if t.request_id == request.request_id]
    assert len(mine) == 1 and mine[0].to_department.code == "proprete"
    assert mine[0].from_department.code == DEPARTMENT and mine[0].reason == "Dépôt sauvage"


async def test_a_transfer_loop_ends_in_the_admin_queue(service: Service) -> None:
    request = await service.routed(DEPARTMENT)
    url = f"/v1/requests/{request.request_id}"
    hops = ["proprete", "espaces_verts", "proprete", DEPARTMENT]
    current = DEPARTMENT
    for n, target in enumerate(hops, start=1):
        sender = agent(service, department=current)
        answer = await service.http.post(
            f"{url}/transfer",
            json={"department": target, "reason": f"Pas chez nous ({n})"},
            headers=sender,
        )
        assert answer.status_code == 200, answer.text
        current = target
    record = await service.record(request.request_id)
    assert record["transfer_count"] == 4 and record["admin_queue"] is True
    bounce = await service.http.post(
        f"{url}/transfer",
        json={"department": "proprete", "reason": "Encore"},
        headers=agent(service, department=current),
    )
    assert bounce.status_code == 409 and "administrateur" in bounce.json()["detail"]
    decided = await service.http.post(
        f"{url}/transfer",
        json={"department": "proprete", "reason": "Arbitrage"},
        headers=service.admin,
    )
    assert decided.status_code == 200
    assert decided.json()["request"]["admin_queue"] is False


async def test_a_consulted_department_sees_the_request_and_answers_with_a_note(
    service: Service,
) -> None:
    request = await service.routed(DEPARTMENT)
    url = f"/v1/requests/{request.request_id}"
    owner = agent(service)
    expert = agent(service, 5, department="urbanisme")
    assert (await service.http.get(url, headers=expert)).status_code == 404
    asked = await service.http.post(
        f"{url}/consultations",
        json={"department": "urbanisme", "question": "Permis nécessaire ?"},
        headers=owner,
    )
    assert asked.status_code == 200, asked.text
    assert asked.json()["request"]["consulted_departments"] == ["urbanisme"]
    queue = await service.http.get("/v1/requests", headers=expert)
    assert request.request_id in [i["id"] for i in queue.json()["items"]]
    # The consulted department may answer, not act on the request as its owner.
    answer = await service.http.post(
        f"{url}/notes", json={"text": "Oui, un arrêté."}, headers=expert
    )
    assert answer.status_code == 200
    taken = await service.http.post(f"{url}/claim", headers=expert)
    assert taken.status_code == 404
    record = await service.record(request.request_id)
    assert record["department"]["code"] == DEPARTMENT and record["consulted_departments"] == []
    assert record["timeline"][-1]["internal_comment"] == "Oui, un arrêté."
    assert (await service.http.get(url, headers=expert)).status_code == 404


async def test_a_duplicate_is_closed_with_a_pointer_and_reads_are_audited(
    service: Service,
) -> None:
    kept = await service.routed(DEPARTMENT)
    duplicate = await service.routed(DEPARTMENT)
    me = agent(service, 11)
    merged = await service.http.post(
        f"/v1/requests/{duplicate.request_id}/merge",
        json={"duplicate_of": kept.request_id},
        headers=me,
    )
    assert merged.status_code == 200, merged.text
    assert merged.json()["request"]["status"] == "closed"
    record = (await service.http.get(f"/v1/requests/{duplicate.request_id}", headers=me)).json()
    assert record["merged_into"] == {"request_id": kept.request_id, "reference": kept.reference}
    public = await service.http.get(
        f"/v1/public/requests/{duplicate.reference}", headers={"X-Tracking-Token": TOKEN}
    )
    assert kept.reference in public.text  # the citizen is told where to follow it
    again = await service.http.post(
        f"/v1/requests/{duplicate.request_id}/merge",
        json={"duplicate_of": kept.request_id},
        headers=me,
    )
    assert again.status_code == 409
    chief = agent(service, 12, roles=["supervisor"])
    reads = await service.http.get(
        "/v1/audit", params={"request_id": duplicate.request_id}, headers=chief
    )
    assert reads.status_code == 200
    readers = {(r["agent_id"], r["what"]) for r in reads.json()}
    assert (f"agent-{DEPARTMENT}-11", "dossier") in readers
    outsider = agent(service, 13, department="urbanisme", roles=["supervisor"])
    theirs = await service.http.get(
        "/v1/audit", params={"request_id": duplicate.request_id}, headers=outsider
    )
    assert theirs.json() == []
    assert (await service.http.get("/v1/audit", headers=me)).status_code == 403
