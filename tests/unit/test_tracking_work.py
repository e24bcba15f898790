"""Agents' actions decided by the single writer, free-text terms and queue cursors (pure)."""

from datetime import UTC, datetime

import pytest

from services.tracking import queue, search
from services.tracking.work import decide, project_action
from shared.envelope import Envelope
from shared.events import AgentRef, Department, RequestAssigned, RequestTransferred
from shared.problems import ProblemError

T0 = datetime(2026, 5, 4, 9, tzinfo=UTC)
IDS = {"request_id": "r1", "reference": "2026-P000001"}


def claim(agent_id: str, expected: int | None = None) -> RequestAssigned:
    return RequestAssigned(
        **IDS,
        actor=agent_id,
        expected_version=expected,
        at=T0,
        assignee=AgentRef(agent_id=agent_id),
        mode="claim",
    )


def transfer(to: str, *, arbitrated: bool = False) -> RequestTransferred:
    return RequestTransferred(
        **IDS,
        from_department=Department(code="a", label="A"),
        to_department=Department(code=to, label=to.upper()),
        reason="Pas chez nous",
        actor="x",
        transferred_at=T0,
        arbitrated=arbitrated,
    )


def test_the_second_claim_loses_and_a_stale_version_is_refused() -> None:
    state = {"event_count": 4, "status": "routed"}
    assert decide(claim("julie"), state) is None
    after = {**state, **project_action(Envelope(data=claim("julie"), source="t"), state).changes}
    assert after["event_count"] == 5 and after["assignee"]["agent_id"] == "julie"
    lost = decide(claim("marc"), after)
    assert lost is not None and lost.status == 409
    assert decide(claim("julie"), after) is None  # claiming one's own request again is fine
    stale = decide(claim("marc", expected=4), after)
    assert stale is not None and stale.status == 412 and stale.extra == {"current_version": 5}


def test_the_fourth_transfer_lands_in_the_admin_queue_until_an_admin_decides() -> None:
    state: dict[str, object] = {"event_count": 1, "department_code": "a"}
    for hop, to in enumerate(["b", "c", "b", "c"], start=1):
        assert decide(transfer(to), state) is None
        state = {**state, **project_action(Envelope(data=transfer(to), source="t"), state).changes}
        assert state["transfer_count"] == hop and state["admin_queue"] is (hop > 3)
    refused = decide(transfer("b"), state)
    assert refused is not None and refused.status == 409
    decided = transfer("b", arbitrated=True)
    assert decide(decided, state) is None
    assert project_action(Envelope(data=decided, source="t"), state).changes["admin_queue"] is False


def test_search_terms_fold_accents_and_case() -> None:
    terms = search.terms(
        reference="2026-P000124",
        subject="Éclairage public",
        description="Lampadaire éteint rue de l'Église",
        citizen_name="Élodie Durand",
    )
    assert terms[0] == "2026-p000124"
    assert {"eclairage", "lampadaire", "eteint", "eglise", "elodie", "durand"} <= set(terms)
    assert search.query_terms("ÉGLISE  lampadaire") == ["eglise", "lampadaire"]
    assert search.query_terms("2026-P000124") == ["2026-p000124"]


def test_a_cursor_resumes_after_the_last_request_and_a_forged_one_is_refused() -> None:
    cursor = queue.encode_cursor({"_id": "r9", "due_at": T0})
    assert queue.after_cursor(cursor) == [
        {"due_at": T0, "_id": {"$gt": "r9"}},
        {"due_at": {"$gt": T0}},
    ]
    no_due = queue.after_cursor(queue.encode_cursor({"_id": "r2", "due_at": None}))
    assert no_due == [{"due_at": None, "_id": {"$gt": "r2"}}, {"due_at": {"$gte": queue.EARLIEST}}]
    with pytest.raises(ProblemError) as refused:
        queue.after_cursor("pas-un-curseur")
    assert refused.value.status == 400
