"""Adoption statistics from a fixture of events, projected as tracking does, against figures
worked out by hand."""

from datetime import UTC, datetime, timedelta
from typing import Any

from services.tracking import statistics
from services.tracking.projection import project
from services.tracking.work import ACTION_EVENTS, project_action
from shared.envelope import Envelope
from shared.events import (
    AgentRef,
    AgentReplied,
    Channel,
    CitizenAsked,
    Department,
    Event,
    RequestAssigned,
    RequestRouted,
    RequestStatus,
    RequestStatusChanged,
)
from tests.factories import submitted

DEPT = "services_techniques"


def at(day: int, hour: int, month: int = 5) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


class Store:
    """What store.store does, in memory."""

    def __init__(self) -> None:
        self.requests: dict[str, dict[str, Any]] = {}
        self.timeline: list[dict[str, Any]] = []

    def apply(self, event: Event) -> None:
        state = self.requests.get(event.request_id, {})
        envelope = Envelope(data=event, source="/relais/tests")
        if isinstance(event, ACTION_EVENTS):
            projection = project_action(envelope, state)
        else:
            projection = project(envelope, state or None, reopen_window=timedelta(days=15))
        self.requests[event.request_id] = {"_id": event.request_id, **state, **projection.changes}
        self.timeline.append(projection.entry)

    def new(self, channel: Channel, received: datetime, due: datetime) -> tuple[str, str]:
        request = submitted(channel=channel, submitted_at=received)
        ids = (request.request_id, request.reference)
        self.apply(request)
        self.apply(
            RequestRouted(
                request_id=ids[0],
                reference=ids[1],
                department=Department(code=DEPT, label="Services techniques"),
                due_at=due,
                rule="category:voirie",
                explanation="Voirie",
                routed_at=received + timedelta(minutes=1),
            )
        )
        return ids


def status(ids: tuple[str, str], value: RequestStatus, moment: datetime, **kw: Any) -> Event:
    return RequestStatusChanged(
        request_id=ids[0], reference=ids[1], status=value, changed_at=moment, **kw
    )


def fixture() -> Store:
    store = Store()
    r1 = store.new(Channel.PORTAL, at(4, 9), due=at(18, 17))
    me = {"request_id": r1[0], "reference": r1[1], "actor": "agent-a"}
    store.apply(
        RequestAssigned(**me, at=at(4, 10), assignee=AgentRef(agent_id="agent-a"), mode="claim")
    )
    store.apply(AgentReplied(**me, at=at(4, 13), text="Nous passons demain."))  # 4 h
    store.apply(status(r1, RequestStatus.IN_PROGRESS, at(4, 14), actor="agent-a"))
    store.apply(status(r1, RequestStatus.RESOLVED, at(5, 9), actor="agent-a"))  # 24 h, met
    r2 = store.new(Channel.EMAIL, at(5, 8), due=at(6, 8))
    store.apply(
        status(r2, RequestStatus.IN_PROGRESS, at(6, 10), actor="agent-b", comment="Vu.")
    )  # first response 26 h
    store.apply(status(r2, RequestStatus.RESOLVED, at(7, 8), actor="agent-b"))  # 48 h, missed
    store.new(Channel.EMAIL, at(6, 12), due=at(20, 17))  # never touched
    r4 = store.new(Channel.PHONE, at(11, 9), due=at(25, 17))
    store.apply(
        CitizenAsked(
            request_id=r4[0], reference=r4[1], actor="agent-a", at=at(11, 10), text="Photo ?"
        )
    )  # 1 h
    # The system reopening a request is not an agent's activity.
    store.apply(status(r1, RequestStatus.IN_PROGRESS, at(12, 9), actor="system"))
    return store


def figures() -> list[dict[str, Any]]:
    store = fixture()
    actions = [
        e
        for e in store.timeline
        if e.get("actor") not in (None, "system") and e.get("department_code")
    ]
    lines = statistics.weeks(list(store.requests.values()), actions)
    return [statistics.summary(w) for w in lines]


def test_weekly_figures_match_the_hand_count() -> None:
    first, second = figures()
    assert first == {
        "department": DEPT,
        "week": "2026-W19",
        "received": 3,
        "received_by_channel": {"email": 2, "portal": 1},
        "touched_share": 0.6667,
        "median_first_response_hours": 15.0,  # median(4, 26)
        "median_resolution_hours": 48.0,  # r1 was reopened since: only r2 (48 h) counts
        "deadline_met": 0,
        "deadline_missed": 1,
        "deadline_compliance": 0.0,
        "activity_by_agent": {"agent-a": 4, "agent-b": 2},
    }
    assert second == {
        "department": DEPT,
        "week": "2026-W20",
        "received": 1,
        "received_by_channel": {"phone": 1},
        "touched_share": 1.0,
        "median_first_response_hours": 1.0,
        "median_resolution_hours": None,
        "deadline_met": 0,
        "deadline_missed": 0,
        "deadline_compliance": None,
        "activity_by_agent": {"agent-a": 1},
    }


def test_backlog_by_age_and_csv_export() -> None:
    store = fixture()
    open_requests = [r for r in store.requests.values() if r["status"] not in statistics.DONE]
    backlog = statistics.backlog(open_requests, now=at(20, 12))
    # r1 (reopened 4 May: 16 days), r3 (14 days), r4 (9 days)
    assert backlog == {DEPT: {"moins_7j": 0, "7_30j": 3, "plus_30j": 0}}
    csv_text = statistics.to_csv(figures())
    header, first, second = csv_text.strip().split("\n")
    assert header.startswith("department,week,received,received_portal,received_email,")
    assert header.endswith("deadline_compliance,agent_agent-a,agent_agent-b")
    assert first.startswith(f"{DEPT},2026-W19,3,1,2,0,")
    assert first.endswith(",0.6667,15.0,48.0,0,1,0.0,4,2")
    assert second.endswith(",1.0,1.0,,0,0,,1,0")
