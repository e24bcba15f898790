"""The agents' API: requests with their full record, filters, status changes, statistics."""

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Response

from services.tracking import audit, commands, lifecycle, reads, store, views
from services.tracking.access import Staff, Worker, not_found
from services.tracking.context import Context, RequestIdPath
from services.tracking.schemas import (
    DepartmentStats,
    RequestDetail,
    StatusChange,
    StatusChangeAccepted,
)
from services.tracking.versions import IfMatch, check, etag, expected_version, version_of
from shared.http import CorrelationId

router = APIRouter(prefix="/v1", tags=["agents"])
AUTH: dict[int | str, dict[str, Any]] = {
    401: {"description": "Jeton d'agent absent, invalide ou expiré"},
    403: {"description": "Rôle insuffisant"},
}


@router.get(
    "/requests/{request_id}",
    summary="Dossier complet d'une demande",
    responses={**AUTH, 404: {"description": "Demande inconnue"}},
)
async def get_request(
    request_id: RequestIdPath, access: Staff, tracking: Context, response: Response
) -> RequestDetail:
    doc = await reads.get_request(db=tracking.db, access=access, request_id=request_id)
    if doc is None:
        raise not_found()
    response.headers["ETag"] = etag(version_of(doc))
    await audit.record(db=tracking.db, access=access, doc=doc)
    entries = await store.timeline(db=tracking.db, request_id=request_id)
    return views.detail(doc, entries, now=datetime.now(UTC))


@router.post(
    "/requests/{request_id}/status",
    status_code=202,
    summary="Changer le statut (appliqué après enregistrement dans le journal)",
    responses={
        **AUTH,
        404: {"description": "Demande inconnue"},
        409: {"description": "Changement non autorisé depuis le statut actuel"},
        412: {"description": "Version périmée (If-Match)"},
        503: {"description": "Journal d'événements indisponible ; réessayer (Retry-After)"},
    },
)
async def change_status(
    request_id: RequestIdPath,
    change: StatusChange,
    access: Worker,
    tracking: Context,
    correlation_id: CorrelationId,
    if_match: IfMatch = None,
) -> StatusChangeAccepted:
    current = await reads.get_request(db=tracking.db, access=access, request_id=request_id)
    if current is None or not access.owns(current):
        raise not_found()
    check(current, expected_version(if_match))
    envelope = await commands.change_status(
        current=current,
        publisher=tracking.publisher,
        change=change,
        agent=access.agent,
        correlation_id=correlation_id,
    )
    return StatusChangeAccepted(
        event_id=envelope.id,
        request_id=request_id,
        status=change.status,
        status_label=lifecycle.label(change.status),
    )


@router.get("/stats/departments", summary="Demandes par service et par statut", responses=AUTH)
async def department_stats(access: Staff, tracking: Context) -> list[DepartmentStats]:
    by_status, overdue = await reads.department_counts(
        db=tracking.db, access=access, now=datetime.now(UTC)
    )
    return views.department_stats(by_status, overdue, tracking.department_labels)
