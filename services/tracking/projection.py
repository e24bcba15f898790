"""From one event and the request's current state: the state changes and one timeline entry.

Pure: no I/O. `current` is the stored request document (None before the request is known).
Applying the result is idempotent once per event id (see store.py), so the projection
only has to be deterministic.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from services.tracking import activity, clocks, lifecycle, search, visibility, wording
from shared.envelope import Envelope
from shared.events import (
    CitizenMessageReceived,
    Event,
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
    RequestSubmitted,
)
from shared.mongo import Document

S = RequestStatus


@dataclass(frozen=True)
class Projection:
    changes: Document
    """Fields to $set on the request document."""
    entry: Document
    """The timeline entry; its _id is the event id."""
    follow_up: RequestStatus | None = None
    """A status the event calls for (a citizen's message reopens a request): tracking publishes
    it as a RequestStatusChanged so every service learns it from the log."""


@dataclass(frozen=True)
class _Outcome:
    changes: Document
    kind: str
    label: str
    at: datetime
    internal: bool = False
    extra: Document | None = None
    follow_up: RequestStatus | None = None


def project(
    envelope: Envelope[Event], current: Document | None, *, reopen_window: timedelta
) -> Projection:
    event = envelope.data
    state = current or {}
    outcome = _outcome(event, state, reopen_window)
    seq = int(state.get("event_count", 0)) + 1
    changes = {
        "reference": event.reference,
        "updated_at": outcome.at,
        "event_count": seq,
        **outcome.changes,
    }
    changes |= visibility.changed(state, changes)
    changes |= clocks.pause_changes(state, changes, outcome.at)
    entry = {
        "_id": envelope.id,
        "request_id": event.request_id,
        "seq": seq,
        "at": outcome.at,
        "kind": outcome.kind,
        "label": outcome.label,
        "internal": outcome.internal,
        "status": changes.get("status"),
        **(outcome.extra or {}),
    }
    return Projection(changes=changes, entry=entry, follow_up=outcome.follow_up)


def current_status(state: Document) -> RequestStatus:
    return S(state.get("status") or S.RECEIVED)


def _status(status: RequestStatus, at: datetime) -> Document:
    finished = at if status in lifecycle.FINISHED else None
    return {"status": status.value, "status_changed_at": at, "finished_at": finished}


def _submitted(event: RequestSubmitted, state: Document, _: timedelta) -> _Outcome:
    changes: Document = {
        "channel": event.channel.value,
        "channel_message_id": event.channel_message_id,
        "category": state.get("category") or event.category,
        "requested_category": event.category,
        "subject": event.subject,
        "description": event.description,
        "citizen": event.citizen.model_dump(mode="json"),
        "location": event.location.model_dump(mode="json") if event.location else None,
        "attachments": [a.model_dump(mode="json") for a in event.attachments],
        "form": _form(event),
        "tracking_token_hash": event.tracking_token_hash,
        "submitted_at": event.submitted_at,
        "raw_ref": event.raw_ref,
        "search_terms": search.terms(
            reference=event.reference,
            subject=event.subject,
            description=event.description,
            citizen_name=event.citizen.name,
        ),
    }
    if not state:  # a stub made by an earlier event keeps the status it already reached
        changes |= _status(S.RECEIVED, event.submitted_at)
    return _Outcome(changes, "submitted", wording.submitted(event.channel), event.submitted_at)


def _form(event: RequestSubmitted) -> Document | None:
    """Form fields as name/value pairs: field names never become document keys."""
    if event.form is None:
        return None
    fields = [{"name": name, "value": value} for name, value in event.form.fields.items()]
    return {"form_type": event.form.form_type, "fields": fields}


def _routed(event: RequestRouted, state: Document, _: timedelta) -> _Outcome:
    changes: Document = {
        "department_code": event.department.code,
        "department_label": event.department.label,
        "due_at": event.due_at,
        "routing": {
            "rule": event.rule,
            "explanation": event.explanation,
            "category": event.category,
            "routed_at": event.routed_at,
            "confidence": event.confidence,
            "triage": event.triage,
            "suggestions": [s.model_dump() for s in event.suggestions],
            "rules_version": event.rules_version,
            "model_version": event.model_version,
        },
    }
    if event.category:
        changes["category"] = event.category
    if lifecycle.is_before(current_status(state), S.ROUTED):
        changes |= _status(S.ROUTED, event.routed_at)
    extra = {"department": event.department.label, "explanation": event.explanation}
    label = wording.routed(event.department.label)
    return _Outcome(changes, "routed", label, event.routed_at, extra=extra)


def _status_changed(event: RequestStatusChanged, state: Document, __: timedelta) -> _Outcome:
    # The log is the record of what happened: the transition was checked when the agent asked.
    extra: Document = {
        "actor": event.actor,
        "public_comment": None if event.internal else event.comment,
        "internal_comment": event.comment if event.internal else None,
        "department_code": state.get("department_code"),
    }
    label = wording.status_changed(lifecycle.label(event.status))
    changes = _status(event.status, event.changed_at)
    if activity.by_agent(event.actor):
        public = bool(event.comment) and not event.internal
        changes |= activity.touched(event.changed_at, state, responded=public)
    return _Outcome(changes, "status_changed", label, event.changed_at, extra=extra)


def _citizen_message(
    event: CitizenMessageReceived, state: Document, reopen_window: timedelta
) -> _Outcome:
    status = current_status(state)
    finished_at = state.get("finished_at")
    reopened = (
        status in lifecycle.FINISHED
        and finished_at is not None
        and event.received_at - finished_at < reopen_window
    )
    resumed = status is S.WAITING_CITIZEN
    changes: Document = {"last_citizen_message_at": event.received_at}
    follow_up = lifecycle.REOPENS_TO if reopened or resumed else None
    extra = {
        "channel": event.channel.value,
        "message": event.text,
        "attachments": [a.model_dump(mode="json") for a in event.attachments],
        "reopened": reopened,
    }
    label = wording.citizen_message(event.channel, reopened=reopened, resumed=resumed)
    return _Outcome(
        changes, "citizen_message", label, event.received_at, extra=extra, follow_up=follow_up
    )


def _notification_sent(event: NotificationSent, _state: Document, __: timedelta) -> _Outcome:
    extra = {
        "channel": event.channel,
        "template": event.template,
        "notification_id": event.notification_id,
    }
    label = wording.notification_sent(event.template, event.channel)
    return _Outcome({}, "notification_sent", label, event.sent_at, extra=extra)


def _notification_failed(event: NotificationFailed, _state: Document, __: timedelta) -> _Outcome:
    extra: Document = {
        "channel": event.channel,
        "notification_id": event.notification_id,
        "reason": event.reason,
        "permanent": event.permanent,
    }
    label = wording.notification_failed(event.channel, permanent=event.permanent)
    return _Outcome({}, "notification_failed", label, event.failed_at, internal=True, extra=extra)


def _appointment(event: RequestAppointmentChanged, _state: Document, __: timedelta) -> _Outcome:
    extra: Document = {
        "booking_id": event.booking_id,
        "agenda_id": event.agenda_id,
        "appointment_change": event.change.value,
        "appointment_start": event.start,
        "actor": event.actor,
    }
    label = wording.appointment(event.change.value, event.title, event.start)
    return _Outcome({}, "appointment", label, event.changed_at, extra=extra)


def _invoice_issued(event: RequestInvoiceIssued, _state: Document, __: timedelta) -> _Outcome:
    extra: Document = {
        "invoice_id": event.invoice_id,
        "amount_cents": event.amount_cents,
        "due_date": event.due_date.isoformat(),
    }
    label = wording.invoice_issued(event.amount_cents, event.due_date)
    return _Outcome({}, "invoice_issued", label, event.issued_at, extra=extra)


def _invoice_paid(event: RequestInvoicePaid, _state: Document, __: timedelta) -> _Outcome:
    extra: Document = {"invoice_id": event.invoice_id, "amount_cents": event.amount_cents}
    label = wording.invoice_paid(event.amount_cents)
    return _Outcome({}, "invoice_paid", label, event.paid_at, extra=extra)


def _document_shared(event: RequestDocumentShared, _state: Document, __: timedelta) -> _Outcome:
    extra: Document = {"document_id": event.document_id, "share_id": event.share_id}
    return _Outcome({}, "document_shared", wording.document_shared(), event.shared_at, extra=extra)


def _document_withdrawn(
    event: RequestDocumentWithdrawn, _state: Document, __: timedelta
) -> _Outcome:
    extra: Document = {"document_id": event.document_id, "share_id": event.share_id}
    label = wording.document_withdrawn()
    return _Outcome({}, "document_withdrawn", label, event.withdrawn_at, extra=extra)


PROJECTED_EVENTS = (
    RequestSubmitted,
    RequestRouted,
    RequestStatusChanged,
    CitizenMessageReceived,
    NotificationSent,
    NotificationFailed,
    RequestAppointmentChanged,
    RequestInvoiceIssued,
    RequestInvoicePaid,
    RequestDocumentShared,
    RequestDocumentWithdrawn,
)


def _outcome(event: Event, state: Document, reopen_window: timedelta) -> _Outcome:
    match event:
        case RequestSubmitted():
            return _submitted(event, state, reopen_window)
        case RequestRouted():
            return _routed(event, state, reopen_window)
        case RequestStatusChanged():
            return _status_changed(event, state, reopen_window)
        case CitizenMessageReceived():
            return _citizen_message(event, state, reopen_window)
        case NotificationSent():
            return _notification_sent(event, state, reopen_window)
        case NotificationFailed():
            return _notification_failed(event, state, reopen_window)
        case RequestAppointmentChanged():
            return _appointment(event, state, reopen_window)
        case RequestInvoiceIssued():
            return _invoice_issued(event, state, reopen_window)
        case RequestInvoicePaid():
            return _invoice_paid(event, state, reopen_window)
        case RequestDocumentShared():
            return _document_shared(event, state, reopen_window)
        case RequestDocumentWithdrawn():
            return _document_withdrawn(event, state, reopen_window)
    raise TypeError(f"tracking does not project {event.event_type}")
