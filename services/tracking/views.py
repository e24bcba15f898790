"""Stored documents turned into the API's answers (pure)."""

from collections import Counter
from datetime import datetime
from typing import Any

from services.tracking import clocks, lifecycle
from services.tracking.queries import is_overdue
from services.tracking.schemas import (
    Clocks,
    ClockView,
    Department,
    DepartmentStats,
    Pause,
    PublicRequestView,
    PublicTimelineEntry,
    RequestDetail,
    RequestSummary,
    TimelineEntry,
)
from shared.events import RequestStatus
from shared.mongo import Document

# Timeline fields shown to agents under `details`, by entry kind.
DETAILS = (
    "message",
    "attachments",
    "reopened",
    "explanation",
    "department",
    "template",
    "notification_id",
    "reason",
    "permanent",
    "booking_id",
    "agenda_id",
    "appointment_change",
    "appointment_start",
    "invoice_id",
    "amount_cents",
    "due_date",
    "document_id",
    "share_id",
)


def _status_label(status: str | None) -> str | None:
    return lifecycle.label(status) if status else None


def public_entry(entry: Document) -> PublicTimelineEntry:
    return PublicTimelineEntry(
        at=entry["at"],
        kind=entry["kind"],
        label=entry["label"],
        status=entry.get("status"),
        status_label=_status_label(entry.get("status")),
        comment=entry.get("public_comment"),
        message=entry.get("message") if entry["kind"] == "citizen_message" else None,
    )


def public_view(doc: Document, entries: list[Document]) -> PublicRequestView:
    return PublicRequestView(
        reference=doc["reference"],
        status=doc["status"],
        status_label=lifecycle.label(doc["status"]),
        department=doc.get("department_label"),
        due_at=doc.get("due_at"),
        submitted_at=doc.get("submitted_at"),
        timeline=[public_entry(e) for e in entries if not e.get("internal")],
    )


def agent_entry(entry: Document) -> TimelineEntry:
    return TimelineEntry(
        **public_entry(entry).model_dump(),
        id=entry["_id"],
        internal=bool(entry.get("internal")),
        actor=entry.get("actor"),
        internal_comment=entry.get("internal_comment"),
        channel=entry.get("channel"),
        details={k: entry[k] for k in DETAILS if entry.get(k) is not None},
    )


def _department(doc: Document) -> Department | None:
    code = doc.get("department_code")
    return Department(code=code, label=doc.get("department_label") or code) if code else None


def _summary_fields(doc: Document, now: datetime) -> dict[str, Any]:
    status = doc.get("status") or RequestStatus.RECEIVED.value
    return {
        "id": doc["_id"],
        "version": int(doc.get("event_count") or 0),
        "assignee": doc.get("assignee"),
        "transfer_count": int(doc.get("transfer_count") or 0),
        "admin_queue": bool(doc.get("admin_queue")),
        "consulted_departments": doc.get("consulted_departments") or [],
        "reference": doc["reference"],
        "status": status,
        "status_label": lifecycle.label(status),
        "channel": doc.get("channel"),
        "category": doc.get("category"),
        "subject": doc.get("subject"),
        "department": _department(doc),
        "due_at": doc.get("due_at"),
        "overdue": is_overdue(due_at=doc.get("due_at"), status=status, now=now),
        "submitted_at": doc.get("submitted_at"),
        "updated_at": doc.get("updated_at"),
    }


def summary(doc: Document, *, now: datetime) -> RequestSummary:
    return RequestSummary(**_summary_fields(doc, now))


def detail(doc: Document, entries: list[Document], *, now: datetime) -> RequestDetail:
    fields = _summary_fields(doc, now)
    return RequestDetail(
        **fields,
        allowed_statuses=lifecycle.next_statuses(RequestStatus(fields["status"])),
        requested_category=doc.get("requested_category"),
        description=doc.get("description"),
        citizen=doc.get("citizen"),
        location=doc.get("location"),
        attachments=doc.get("attachments") or [],
        form=doc.get("form"),
        routing=doc.get("routing"),
        status_changed_at=doc.get("status_changed_at"),
        last_citizen_message_at=doc.get("last_citizen_message_at"),
        raw_ref=doc.get("raw_ref"),
        clocks=clocks_view(doc, now=now),
        merged_into=doc.get("merged_into"),
        timeline=[agent_entry(e) for e in entries],
    )


def clocks_view(doc: Document, *, now: datetime) -> Clocks:
    first = clocks.first_response(doc, now=now, calendar=clocks.town_calendar())
    last = clocks.resolution(doc, now=now)
    return Clocks(
        first_response=ClockView(**first.__dict__),
        resolution=ClockView(**last.__dict__),
        pauses=[Pause.model_validate(p) for p in doc.get("pauses") or []],
    )


def department_stats(
    by_status: Counter[tuple[str | None, str]],
    overdue: Counter[str | None],
    labels: dict[str, str],
) -> list[DepartmentStats]:
    """One line per department that has requests, in department code order (unassigned last)."""
    codes = {code for code, _ in by_status} | set(overdue)
    lines = []
    for code in sorted(codes, key=lambda c: (c is None, c or "")):
        counts = {RequestStatus(s): n for (c, s), n in by_status.items() if c == code and s}
        department = Department(code=code, label=labels.get(code, code)) if code else None
        lines.append(
            DepartmentStats(
                department=department,
                total=sum(counts.values()),
                by_status=counts,
                overdue=overdue.get(code, 0),
            )
        )
    return lines
