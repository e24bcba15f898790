"""Agents' actions applied to a request by its single writer (pure: no I/O).

`decide` settles what the API could not: two commands that passed its checks at the same
time are ordered by the log, and the later one is refused here (stale version, request
already claimed). `project_action` turns an accepted action into the state changes and the
timeline entry, like projection.py does for the other events.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.tracking import activity, clocks, lifecycle, visibility
from services.tracking.projection import Projection, current_status
from services.tracking.versions import STALE, version_of
from shared.envelope import Envelope
from shared.events import (
    AgentReplied,
    CitizenAsked,
    ConsultationRequested,
    DeadlineAlert,
    Event,
    InternalNoteAdded,
    RequestAssigned,
    RequestEscalated,
    RequestMerged,
    RequestStatus,
    RequestTransferred,
    RequestUnassigned,
)
from shared.mongo import Document

S = RequestStatus
TRANSFER_LIMIT = 3
"""A request transferred more often than this waits in the admin queue for a decision."""
ASKABLE = frozenset({S.ROUTED, S.IN_PROGRESS, S.WAITING_CITIZEN})


@dataclass(frozen=True)
class Rejection:
    status: int
    detail: str
    extra: dict[str, Any] = field(default_factory=dict)


def claimed_by_other(state: Document, agent_id: str) -> Rejection | None:
    assignee = state.get("assignee") or {}
    if assignee and assignee.get("agent_id") != agent_id:
        name = assignee.get("name") or assignee.get("agent_id")
        return Rejection(409, f"Demande déjà prise en charge par {name}.", {"assignee": assignee})
    return None


def transfer_refusal(state: Document, *, arbitrated: bool) -> Rejection | None:
    if state.get("admin_queue") and not arbitrated:
        return Rejection(
            409,
            "Cette demande a été transférée trop souvent : elle attend la décision d'un "
            "administrateur.",
        )
    return None


def ask_refusal(state: Document) -> Rejection | None:
    status = current_status(state)
    if status not in ASKABLE:
        return Rejection(
            409, f"Impossible de solliciter l'usager sur une demande « {lifecycle.label(status)} »."
        )
    return None


def decide(event: Event, state: Document) -> Rejection | None:
    """Why the action cannot be applied to `state` any more, or None."""
    expected = getattr(event, "expected_version", None)
    if expected is not None and version_of(state) != expected:
        current = version_of(state)
        detail = STALE.format(current=current, expected=expected)
        return Rejection(412, detail, {"current_version": current})
    if isinstance(event, RequestAssigned) and event.mode != "assign":
        return claimed_by_other(state, event.assignee.agent_id)
    if isinstance(event, RequestTransferred):
        return transfer_refusal(state, arbitrated=event.arbitrated)
    if isinstance(event, CitizenAsked):
        return ask_refusal(state)
    return None


@dataclass(frozen=True)
class _Outcome:
    changes: Document
    kind: str
    label: str
    internal: bool = True
    extra: Document = field(default_factory=dict)


_touched = activity.touched


def _assigned(event: RequestAssigned, state: Document) -> _Outcome:
    who = event.assignee.name or event.assignee.agent_id
    touched = _touched(event.at, state) if event.mode != "automatic" else {}
    changes = {
        **touched,
        "assignee": event.assignee.model_dump(),
        "assigned_at": event.at,
    }
    verb = {"claim": "prise en charge par", "assign": "confiée à", "automatic": "attribuée à"}
    return _Outcome(changes, "assigned", f"Demande {verb[event.mode]} {who}")


def _unassigned(event: RequestUnassigned, state: Document) -> _Outcome:
    changes = {**_touched(event.at, state), "assignee": None, "assigned_at": None}
    return _Outcome(changes, "unassigned", "Demande remise dans la file du service")


def _note(event: InternalNoteAdded, state: Document) -> _Outcome:
    changes = _touched(event.at, state)
    label = "Note interne"
    if event.department:
        consulted = [d for d in state.get("consulted_departments") or [] if d != event.department]
        changes["consulted_departments"] = consulted
        label = "Avis rendu par un service consulté"
    extra = {"internal_comment": event.text, "department": event.department}
    return _Outcome(changes, "internal_note", label, extra=extra)


def _replied(event: AgentReplied, state: Document) -> _Outcome:
    changes = _touched(event.at, state, responded=True)
    extra = {"public_comment": event.text}
    return _Outcome(changes, "agent_reply", "Réponse du service", internal=False, extra=extra)


def _asked(event: CitizenAsked, state: Document) -> _Outcome:
    changes = {**_touched(event.at, state, responded=True)}
    if current_status(state) is not S.WAITING_CITIZEN:
        changes |= {"status": S.WAITING_CITIZEN.value, "status_changed_at": event.at}
        changes["finished_at"] = None
    extra = {"public_comment": event.text}
    label = "Le service vous demande un complément"
    return _Outcome(changes, "citizen_asked", label, internal=False, extra=extra)


def _consulted(event: ConsultationRequested, state: Document) -> _Outcome:
    consulted = list(state.get("consulted_departments") or [])
    if event.department.code not in consulted:
        consulted.append(event.department.code)
    changes = {**_touched(event.at, state), "consulted_departments": consulted}
    extra = {"internal_comment": event.question, "department": event.department.label}
    label = f"Avis demandé au service {event.department.label}"
    return _Outcome(changes, "consultation_requested", label, extra=extra)


def _merged(event: RequestMerged, state: Document) -> _Outcome:
    changes = {
        **_touched(event.at, state),
        "status": S.CLOSED.value,
        "status_changed_at": event.at,
        "finished_at": event.at,
        "merged_into": {"request_id": event.kept_request_id, "reference": event.kept_reference},
    }
    label = f"Demande regroupée avec la demande {event.kept_reference}"
    return _Outcome(changes, "merged", label, internal=False)


def _alert(event: DeadlineAlert, state: Document) -> _Outcome:
    changes = {"alerts": {**(state.get("alerts") or {}), event.stage: event.due_at}}
    label = "Échéance proche" if event.stage == "near" else "Échéance dépassée"
    return _Outcome(changes, f"deadline_{event.stage}", label)


def _escalated(event: RequestEscalated, _state: Document) -> _Outcome:
    changes = {"escalated_at": event.at}
    label = f"Signalée aux responsables : aucun agent depuis {event.idle_working_days} jours ouvrés"
    return _Outcome(changes, "escalated", label)


def _transferred(event: RequestTransferred, state: Document) -> _Outcome:
    count = int(state.get("transfer_count") or 0) + 1
    changes: Document = {
        **_touched(event.transferred_at, state),
        "department_code": event.to_department.code,
        "department_label": event.to_department.label,
        "transfer_count": count,
        "admin_queue": count > TRANSFER_LIMIT and not event.arbitrated,
        "assignee": None,
        "assigned_at": None,
        "transferred_at": event.transferred_at,
        # The new department has not worked on it yet: its escalation clock starts now.
        "department_touched": False,
        "escalated_at": None,
    }
    if event.due_at is not None:
        changes["due_at"] = event.due_at
    extra = {"internal_comment": event.reason, "department": event.to_department.label}
    label = f"Demande transmise au service {event.to_department.label}"
    return _Outcome(changes, "transferred", label, internal=False, extra=extra)


_PROJECTORS: dict[type[Event], Callable[[Any, Document], _Outcome]] = {
    RequestAssigned: _assigned,
    RequestUnassigned: _unassigned,
    InternalNoteAdded: _note,
    AgentReplied: _replied,
    CitizenAsked: _asked,
    ConsultationRequested: _consulted,
    RequestMerged: _merged,
    RequestTransferred: _transferred,
    DeadlineAlert: _alert,
    RequestEscalated: _escalated,
}
ACTION_EVENTS = tuple(_PROJECTORS)


def _at(event: Event) -> datetime:
    return event.transferred_at if isinstance(event, RequestTransferred) else event.at  # type: ignore[attr-defined]


def project_action(envelope: Envelope, state: Document) -> Projection:
    event = envelope.data
    outcome = _PROJECTORS[type(event)](event, state)
    at = _at(event)
    seq = version_of(state) + 1
    changes = {"reference": event.reference, "updated_at": at, "event_count": seq}
    changes |= outcome.changes
    changes |= visibility.changed(state, changes)
    changes |= clocks.pause_changes(state, changes, at)
    entry = {
        "_id": envelope.id,
        "request_id": event.request_id,
        "seq": seq,
        "at": at,
        "kind": outcome.kind,
        "label": outcome.label,
        "internal": outcome.internal,
        "status": changes.get("status"),
        "actor": getattr(event, "actor", None),
        "department_code": state.get("department_code"),
        "public_comment": None,
        "internal_comment": None,
        **outcome.extra,
    }
    return Projection(changes=changes, entry=entry)
