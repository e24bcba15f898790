"""From one event and the current state: the request's changes and its timeline entry."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from services.tracking.projection import Projection, project
from shared.envelope import Envelope
from shared.events import (
    Channel,
    CitizenMessageReceived,
    Department,
    Event,
    FormData,
    NotificationFailed,
    NotificationSent,
    RequestAppointmentChanged,
    RequestDocumentShared,
    RequestDocumentWithdrawn,
    RequestInvoiceIssued,
    RequestInvoicePaid,
    RequestRouted,
    RequestStatus,
    RequestStatusChanged,
    RoutingSuggestion,
)
from shared.events.appointments import AppointmentChange
from shared.mongo import Document
from tests.factories import submitted

WINDOW = timedelta(days=15)
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REQUEST = submitted(submitted_at=T0, form=FormData(form_type="voirie", fields={"rue.numero": 12}))
IDS = {"request_id": REQUEST.request_id, "reference": REQUEST.reference}


def apply(
    event: Event, state: Document | None, *, event_id: str = ""
) -> tuple[Projection, Document]:
    envelope = Envelope(
        data=event, source="/relais/tests", **({"id": event_id} if event_id else {})
    )
    projection = project(envelope, state, reopen_window=WINDOW)
    return projection, {**(state or {}), **projection.changes}


def routed(**overrides: Any) -> RequestRouted:
    fields: dict[str, Any] = {
        **IDS,
        "department": Department(code="services_techniques", label="Services techniques"),
        "category": "voirie",
        "due_at": T0 + timedelta(days=14),
        "rule": "category:voirie",
        "explanation": "Catégorie « Voirie » confiée au service Services techniques.",
        "routed_at": T0 + timedelta(minutes=1),
    }
    return RequestRouted(**(fields | overrides))


def status(value: RequestStatus, at: datetime, **overrides: Any) -> RequestStatusChanged:
    fields: dict[str, Any] = {**IDS, "status": value, "actor": "julie-moreau", "changed_at": at}
    return RequestStatusChanged(**(fields | overrides))


def message(at: datetime) -> CitizenMessageReceived:
    return CitizenMessageReceived(
        **IDS, channel=Channel.EMAIL, text="Le trou est toujours là.", received_at=at
    )


def state_at(value: RequestStatus, *, finished_at: datetime | None = None) -> Document:
    _, state = apply(REQUEST, None)
    return {**state, "status": value.value, "finished_at": finished_at, "event_count": 3}


def test_a_submitted_request_is_created_received_with_its_first_entry() -> None:
    projection, state = apply(REQUEST, None, event_id="ev-1")
    assert state["status"] == "received"
    assert state["reference"] == REQUEST.reference
    assert state["submitted_at"] == T0
    assert state["tracking_token_hash"] == REQUEST.tracking_token_hash
    assert state["citizen"]["email"] == "camille.martin@example.org"
    assert state["event_count"] == 1
    entry = projection.entry
    assert entry["_id"] == "ev-1" and entry["request_id"] == REQUEST.request_id
    assert entry["kind"] == "submitted" and entry["seq"] == 1 and entry["at"] == T0
    assert entry["label"] == "Demande reçue sur le portail citoyen"
    assert entry["internal"] is False and entry["status"] == "received"


def test_form_field_names_never_become_document_keys() -> None:
    _, state = apply(REQUEST, None)
    assert state["form"] == {"form_type": "voirie", "fields": [{"name": "rue.numero", "value": 12}]}


def test_routing_sets_department_due_date_and_explanation() -> None:
    _, state = apply(REQUEST, None)
    projection, state = apply(routed(), state)
    assert state["status"] == "routed"
    assert state["department_code"] == "services_techniques"
    assert state["department_label"] == "Services techniques"
    assert state["due_at"] == T0 + timedelta(days=14)
    assert state["routing"]["rule"] == "category:voirie"
    assert state["routing"]["explanation"].startswith("Catégorie « Voirie »")
    assert projection.entry["label"] == "Demande transmise au service « Services techniques »"
    assert projection.entry["seq"] == 2 and projection.entry["status"] == "routed"


def test_a_late_routing_decision_never_moves_a_request_back() -> None:
    projection, state = apply(routed(), state_at(RequestStatus.IN_PROGRESS))
    assert state["status"] == "in_progress"
    assert state["department_code"] == "services_techniques"
    assert projection.entry["status"] is None


def test_a_status_change_keeps_the_agent_s_comment_public_or_internal() -> None:
    at = T0 + timedelta(days=1)
    public, state = apply(status(RequestStatus.IN_PROGRESS, at, comment="Équipe prévue."), None)
    assert state["status"] == "in_progress" and state["status_changed_at"] == at
    assert public.entry["public_comment"] == "Équipe prévue."
    assert public.entry["internal_comment"] is None
    assert public.entry["actor"] == "julie-moreau"
    assert public.entry["label"] == "Statut de la demande : en cours de traitement"
    note = status(RequestStatus.IN_PROGRESS, at, comment="Voir M. Durand", internal=True)
    internal, _ = apply(note, state)
    assert internal.entry["public_comment"] is None
    assert internal.entry["internal_comment"] == "Voir M. Durand"
    assert internal.entry["internal"] is False  # the status itself stays visible


def test_resolving_records_when_work_finished() -> None:
    at = T0 + timedelta(days=3)
    _, state = apply(status(RequestStatus.RESOLVED, at), state_at(RequestStatus.IN_PROGRESS))
    assert state["finished_at"] == at
    _, state = apply(status(RequestStatus.IN_PROGRESS, at + timedelta(hours=1)), state)
    assert state["finished_at"] is None


def test_a_message_soon_after_resolution_calls_for_reopening() -> None:
    resolved = state_at(RequestStatus.RESOLVED, finished_at=T0)
    at = T0 + timedelta(days=14, hours=23)
    projection, state = apply(message(at), resolved)
    # The status itself moves when tracking's own RequestStatusChanged comes back from the log.
    assert projection.follow_up is RequestStatus.IN_PROGRESS
    assert state["status"] == "resolved" and state["last_citizen_message_at"] == at
    assert (
        projection.entry["label"] == "Nouveau message reçu par courriel : la demande est rouverte"
    )
    assert projection.entry["reopened"] is True
    assert projection.entry["message"] == "Le trou est toujours là."


def test_a_message_on_a_recently_closed_request_calls_for_reopening() -> None:
    projection, _ = apply(
        message(T0 + timedelta(days=1)), state_at(RequestStatus.CLOSED, finished_at=T0)
    )
    assert projection.follow_up is RequestStatus.IN_PROGRESS


def test_a_message_after_the_reopen_window_only_adds_an_entry() -> None:
    closed = state_at(RequestStatus.CLOSED, finished_at=T0)
    projection, state = apply(message(T0 + WINDOW), closed)
    assert state["status"] == "closed"
    assert "status" not in projection.changes
    assert projection.entry["reopened"] is False and projection.follow_up is None
    assert projection.entry["label"] == "Nouveau message reçu par courriel"


def test_a_message_never_reopens_a_cancelled_request() -> None:
    cancelled = state_at(RequestStatus.CANCELLED, finished_at=None)
    projection, state = apply(message(T0 + timedelta(hours=1)), cancelled)
    assert state["status"] == "cancelled" and projection.follow_up is None


def test_the_citizen_s_answer_resumes_a_request_waiting_for_it() -> None:
    projection, state = apply(message(T0), state_at(RequestStatus.WAITING_CITIZEN))
    assert projection.follow_up is RequestStatus.IN_PROGRESS
    assert state["status"] == "waiting_citizen"
    assert projection.entry["label"].endswith("la demande reprend son traitement")


def test_a_message_during_processing_changes_nothing_but_the_timeline() -> None:
    projection, state = apply(message(T0), state_at(RequestStatus.IN_PROGRESS))
    assert state["status"] == "in_progress" and "status" not in projection.changes
    assert projection.entry["seq"] == 4


def test_a_sent_acknowledgement_is_visible_to_the_citizen() -> None:
    sent = NotificationSent(
        **IDS, notification_id="n-1", channel="email", template="acknowledgement", sent_at=T0
    )
    projection, _ = apply(sent, state_at(RequestStatus.ROUTED))
    assert projection.entry["label"] == "Accusé de réception envoyé par courriel"
    assert projection.entry["internal"] is False and projection.entry["kind"] == "notification_sent"
    assert set(projection.changes) == {"reference", "updated_at", "event_count"}


def test_an_unknown_template_still_gets_a_french_label() -> None:
    sent = NotificationSent(**IDS, notification_id="n", channel="sms", template="x", sent_at=T0)
    assert apply(sent, None)[0].entry["label"] == "Message envoyé par SMS"


def test_a_failed_notification_is_internal() -> None:
    failed = NotificationFailed(
        **IDS,
        notification_id="n-2",
        channel="email",
        reason="550 mailbox unavailable",
        permanent=True,
        failed_at=T0,
    )
    projection, _ = apply(failed, state_at(RequestStatus.ROUTED))
    assert projection.entry["internal"] is True
    assert projection.entry["reason"] == "550 mailbox unavailable"
    assert projection.entry["label"] == "Échec définitif de l'envoi d'un message par courriel"


def test_projecting_the_same_event_on_the_same_state_gives_the_same_result() -> None:
    envelope = Envelope(data=routed(), source="/relais/tests")
    state = state_at(RequestStatus.RECEIVED)
    assert project(envelope, state, reopen_window=WINDOW) == project(
        envelope, state, reopen_window=WINDOW
    )


def test_an_event_before_its_submission_starts_a_stub_the_submission_completes() -> None:
    _, stub = apply(routed(), None)
    assert stub["status"] == "routed" and "tracking_token_hash" not in stub
    _, state = apply(REQUEST, stub)
    assert state["status"] == "routed"  # not moved back to received
    assert state["category"] == "voirie" and state["tracking_token_hash"]


def test_a_triage_decision_keeps_the_front_desk_queue_and_the_suggestions() -> None:
    suggestion = RoutingSuggestion(
        department=Department(code="finances", label="Finances et facturation"),
        category="facturation",
        score=0.28,
    )
    decision = routed(
        department=Department(code="accueil", label="Accueil et relations usagers"),
        category="general",
        rule="triage",
        triage=True,
        confidence=0.28,
        suggestions=[suggestion],
        rules_version=2,
        model_version=3,
    )
    _, state = apply(decision, None)
    assert state["department_code"] == "accueil"
    assert state["routing"]["triage"] is True
    assert state["routing"]["suggestions"][0]["department"]["code"] == "finances"
    assert (state["routing"]["rules_version"], state["routing"]["model_version"]) == (2, 3)


def test_an_appointment_linked_to_the_request_shows_on_its_timeline_in_paris_time() -> None:
    request = submitted()
    change = RequestAppointmentChanged(
        request_id=request.request_id,
        reference=request.reference,
        booking_id="b1",
        agenda_id="urbanisme",
        title="Permis de construire",
        change=AppointmentChange.BOOKED,
        start=datetime(2027, 3, 28, 7, 30, tzinfo=UTC),  # the day clocks go forward
        actor="usager",
        changed_at=datetime(2027, 3, 20, 10, 0, tzinfo=UTC),
    )
    state = project(Envelope(data=request, source="/t"), None, reopen_window=timedelta(days=15))
    projection = project(
        Envelope(data=change, source="/relais/appointments"),
        state.changes,
        reopen_window=timedelta(days=15),
    )
    assert projection.entry["kind"] == "appointment"
    assert not projection.entry["internal"]
    assert projection.entry["label"] == (
        "Rendez-vous pris : Permis de construire, dimanche 28 mars 2027 à 09h30"
    )
    assert "status" not in projection.changes


def _after_submission(event: Event) -> Projection:
    state = project(Envelope(data=REQUEST, source="/t"), None, reopen_window=WINDOW)
    return project(
        Envelope(data=event, source="/relais/payments"), state.changes, reopen_window=WINDOW
    )


def test_an_invoice_for_the_request_shows_on_its_timeline_in_euros() -> None:
    issued = _after_submission(
        RequestInvoiceIssued(
            **IDS,
            invoice_id="inv1",
            amount_cents=4560,
            due_date=date(2027, 1, 1),
            issued_at=T0 + timedelta(days=1),
        )
    )
    assert issued.entry["kind"] == "invoice_issued" and not issued.entry["internal"]
    assert (
        issued.entry["label"] == "Facture émise : 45,60\u00a0€, à payer avant le 1er janvier 2027"
    )
    assert issued.entry["invoice_id"] == "inv1" and "status" not in issued.changes
    paid = _after_submission(
        RequestInvoicePaid(**IDS, invoice_id="inv1", amount_cents=123456, paid_at=T0)
    )
    assert paid.entry["label"] == "Facture payée en ligne : 1\u202f234,56\u00a0€"


def test_documents_shared_and_withdrawn_show_on_the_timeline() -> None:
    ids = {"document_id": "d1", "share_id": "s1"}
    shared = _after_submission(
        RequestDocumentShared(**IDS, **ids, content_type="application/pdf", size=10, shared_at=T0)
    )
    withdrawn = _after_submission(RequestDocumentWithdrawn(**IDS, **ids, withdrawn_at=T0))
    assert (shared.entry["kind"], withdrawn.entry["kind"]) == (
        "document_shared",
        "document_withdrawn",
    )
    assert shared.entry["document_id"] == withdrawn.entry["document_id"] == "d1"
