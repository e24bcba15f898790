"""Transfers to another department: validated, dated, and ended in the admin queue when a
request keeps bouncing (work.py counts them when applied).

Routing reads every RequestTransferred as a labelled correction of its choice; the new
department's deadline starts from the transfer, in working days of the request's category.
"""

from datetime import datetime

from services.tracking.access import Access
from services.tracking.clocks import town_calendar
from services.tracking.context import Tracking
from services.tracking.schemas import Transfer
from shared.catalogue import load_catalogue
from shared.events import Department, RequestTransferred
from shared.mongo import Document
from shared.problems import ProblemError


def deadline_days(category: str | None) -> int:
    catalogue = load_catalogue()
    return (catalogue.category(category) or catalogue.fallback).deadline_days


def transfer_event(
    doc: Document,
    *,
    body: Transfer,
    access: Access,
    tracking: Tracking,
    expected: int | None,
    at: datetime,
) -> RequestTransferred:
    labels = tracking.department_labels
    if body.department not in labels:
        raise ProblemError(422, f"Service inconnu : « {body.department} ».", field="department")
    if body.department == doc.get("department_code"):
        raise ProblemError(409, "La demande est déjà confiée à ce service.")
    if doc.get("admin_queue") and not access.is_admin:
        raise ProblemError(
            409,
            "Cette demande a été transférée trop souvent : elle attend la décision d'un "
            "administrateur.",
        )
    calendar = town_calendar()
    origin = doc.get("department_code") or tracking.settings.triage_department
    return RequestTransferred(
        request_id=doc["_id"],
        reference=doc["reference"],
        from_department=Department(code=origin, label=labels.get(origin, origin)),
        to_department=Department(code=body.department, label=labels[body.department]),
        category=doc.get("category"),
        reason=body.reason,
        actor=access.agent.agent_id,
        transferred_at=at,
        due_at=calendar.due(at, deadline_days(doc.get("category"))),
        expected_version=expected,
        arbitrated=access.is_admin,
    )
