"""What citizens and agents are shown, and how agents' filters select requests."""

from collections import Counter
from datetime import UTC, datetime, timedelta

from services.tracking import views
from services.tracking.projection import project
from services.tracking.public import token_matches
from services.tracking.queries import RequestFilter, is_overdue, merged, selector
from services.tracking.work import project_action
from shared.envelope import Envelope
from shared.events import (
    AgentReplied,
    Channel,
    CitizenAsked,
    CitizenMessageReceived,
    ConsultationRequested,
    Department,
    InternalNoteAdded,
    RequestRouted,
    RequestStatus,
    RequestStatusChanged,
)
from shared.intake import hash_token
from shared.mongo import Document
from tests.factories import TOKEN, submitted

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
T0 = NOW - timedelta(days=10)


def _history() -> tuple[Document, list[Document]]:
    request = submitted(submitted_at=T0)
    ids = {"request_id": request.request_id, "reference": request.reference}
    events = [
        request,
        RequestRouted(
            **ids,
            department=Department(code="proprete", label="Propreté urbaine"),
            due_at=NOW - timedelta(days=1),
            rule="category:proprete",
            explanation="Règle interne",
            routed_at=T0,
        ),
        RequestStatusChanged(
            **ids,
            status=RequestStatus.IN_PROGRESS,
            comment="Appeler Mme Martin au 06 12 34 56 78",
            internal=True,
            actor="julie-moreau",
            changed_at=T0 + timedelta(days=1),
        ),
    ]
    state: Document | None = None
    entries = []
    for event in events:
        envelope = Envelope(data=event, source="/relais/tests")
        projection = project(envelope, state, reopen_window=timedelta(days=15))
        state = {"_id": request.request_id, **(state or {}), **projection.changes}
        entries.append(projection.entry)
    assert state is not None
    return state, entries


def test_the_public_view_shows_progress_without_personal_data_or_internal_notes() -> None:
    doc, entries = _history()
    view = views.public_view(doc, entries)
    assert view.status is RequestStatus.IN_PROGRESS
    assert view.status_label == "en cours de traitement"
    assert view.department == "Propreté urbaine"
    assert view.due_at == NOW - timedelta(days=1)
    assert [e.kind for e in view.timeline] == ["submitted", "routed", "status_changed"]
    text = view.model_dump_json()
    for secret in ("Martin", "camille", "06 12", "julie", "Règle interne", "Lilas"):
        assert secret not in text


def test_the_agent_view_has_the_full_record() -> None:
    doc, entries = _history()
    detail = views.detail(doc, entries, now=NOW)
    assert detail.citizen and detail.citizen["email"] == "camille.martin@example.org"
    assert detail.routing and detail.routing.explanation == "Règle interne"
    assert detail.overdue is True
    assert detail.allowed_statuses == [
        RequestStatus.WAITING_CITIZEN,
        RequestStatus.RESOLVED,
        RequestStatus.CANCELLED,
    ]
    last = detail.timeline[-1]
    assert last.actor == "julie-moreau"
    assert last.internal_comment == "Appeler Mme Martin au 06 12 34 56 78"
    assert detail.timeline[1].details["explanation"] == "Règle interne"


def test_the_tracking_token_is_checked_against_its_hash() -> None:
    stored = hash_token(TOKEN)
    assert token_matches(TOKEN, stored)
    assert not token_matches(TOKEN + "x", stored)
    assert not token_matches(None, stored)
    assert not token_matches("", stored)
    assert not token_matches(TOKEN, None)


def test_overdue_means_past_due_and_not_finished() -> None:
    past = NOW - timedelta(minutes=1)
    assert is_overdue(due_at=past, status="in_progress", now=NOW)
    assert not is_overdue(due_at=past, status="resolved", now=NOW)
    assert not is_overdue(due_at=past, status="cancelled", now=NOW)
    assert not is_overdue(due_at=NOW + timedelta(minutes=1), status="routed", now=NOW)
    assert not is_overdue(due_at=None, status="received", now=NOW)


def test_filters_become_a_selector() -> None:
    assert selector(RequestFilter(), now=NOW) == {}
    found = selector(
        RequestFilter(status=RequestStatus.ROUTED, department="proprete", channel=Channel.EMAIL),
        now=NOW,
    )
    assert found == {"status": "routed", "department_code": "proprete", "channel": "email"}
    late = selector(RequestFilter(overdue=True, reference="2026-P000001"), now=NOW)
    assert late == {
        "reference": "2026-P000001",
        "due_at": {"$lt": NOW},
        "status": {"$in": ["received", "routed", "in_progress"]},
    }
    routed_late = selector(RequestFilter(overdue=True, status=RequestStatus.ROUTED), now=NOW)
    assert routed_late == {"status": "routed", "due_at": {"$lt": NOW}}
    done_late = selector(RequestFilter(overdue=True, status=RequestStatus.RESOLVED), now=NOW)
    assert "$and" in done_late  # a finished request is never late: the clash is kept


def test_selectors_merge_flat_and_ranges_join() -> None:
    assert merged({"a": 1}, {"b": {"$gt": 2}}, {"b": {"$lt": 5}}) == {
        "a": 1,
        "b": {"$gt": 2, "$lt": 5},
    }
    assert merged({"a": 1}, {"a": 2}) == {"$and": [{"a": 1}, {"a": 2}]}
    assert merged({"$or": [{"a": 1}]}, {"$or": [{"b": 1}]})["$and"][1] == {"$or": [{"b": 1}]}


def test_department_stats_count_statuses_and_overdue_requests() -> None:
    by_status = Counter(
        {("proprete", "routed"): 2, ("proprete", "resolved"): 1, (None, "received"): 4}
    )
    lines = views.department_stats(by_status, Counter({"proprete": 1}), {"proprete": "Propreté"})
    assert [line.department.code if line.department else None for line in lines] == [
        "proprete",
        None,
    ]
    assert lines[0].total == 3 and lines[0].overdue == 1
    assert lines[0].by_status == {RequestStatus.ROUTED: 2, RequestStatus.RESOLVED: 1}
    assert lines[0].department and lines[0].department.label == "Propreté"
    assert lines[1].total == 4 and lines[1].overdue == 0


def test_the_public_view_shows_every_public_message_and_never_an_internal_note() -> None:
    doc, entries = _history()
    ids = {"request_id": doc["_id"], "reference": doc["reference"]}
    at = T0 + timedelta(days=2)
    actions = [
        InternalNoteAdded(**ids, text="NOTE-INTERNE : voir avec le voisin", actor="a-1", at=at),
        ConsultationRequested(
            **ids,
            department=Department(code="urbanisme", label="Urbanisme"),
            question="AVIS-INTERNE : permis en cours ?",
            actor="a-1",
            at=at,
        ),
        CitizenAsked(**ids, text="Pouvez-vous joindre une photo ?", actor="a-1", at=at),
        AgentReplied(**ids, text="Une équipe passera lundi.", actor="a-1", at=at),
        InternalNoteAdded(**ids, text="NOTE-INTERNE-2 : facturer", actor="a-1", at=at),
    ]
    state = doc
    for action in actions:
        projection = project_action(Envelope(data=action, source="/relais/tests"), state)
        state = {**state, **projection.changes}
        entries.append(projection.entry)
    message = CitizenMessageReceived(
        **ids, channel=Channel.PORTAL, text="Voici la photo demandée.", received_at=at
    )
    projected = project(
        Envelope(data=message, source="/relais/tests"), state, reopen_window=timedelta(days=15)
    )
    entries.append(projected.entry)
    resolved = RequestStatusChanged(
        **ids, status=RequestStatus.RESOLVED, comment="Trou rebouché.", actor="a-1", changed_at=at
    )
    entries.append(
        project(
            Envelope(data=resolved, source="/relais/tests"),
            state,
            reopen_window=timedelta(days=15),
        ).entry
    )

    view = views.public_view(doc, entries)
    shown = [(e.kind, e.comment or e.message) for e in view.timeline if e.comment or e.message]
    assert shown == [
        ("citizen_asked", "Pouvez-vous joindre une photo ?"),
        ("agent_reply", "Une équipe passera lundi."),
        ("citizen_message", "Voici la photo demandée."),
        ("status_changed", "Trou rebouché."),
    ]
    text = view.model_dump_json()
    assert "INTERNE" not in text and "internal_note" not in text
    assert "consultation" not in text
