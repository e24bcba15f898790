"""The agents' API: requests with their full record, filters, status changes, statistics."""

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from services.tracking import commands, lifecycle, repository, views
from services.tracking.context import Context, CorrelationId
from services.tracking.queries import RequestFilter
from services.tracking.schemas import (
    DepartmentStats,
    RequestDetail,
    RequestPage,
    StatusChange,
    StatusChangeAccepted,
)
from shared.auth import CurrentAgent
from shared.events import Channel, RequestStatus
from shared.problems import ProblemError

router = APIRouter(prefix="/v1", tags=["agents"])
AUTH: dict[int | str, dict[str, Any]] = {
    401: {"description": "Jeton d'agent absent, invalide ou expiré"}
}
RequestIdPath = Annotated[str, Path(max_length=64, description="Identifiant interne")]


def _filters(
    status: Annotated[RequestStatus | None, Query()] = None,
    department: Annotated[str | None, Query(max_length=64, description="Code du service")] = None,
    channel: Annotated[Channel | None, Query()] = None,
    overdue: Annotated[bool | None, Query(description="true : échéance dépassée")] = None,
    reference: Annotated[str | None, Query(max_length=32)] = None,
) -> RequestFilter:
    return RequestFilter(
        status=status, department=department, channel=channel, overdue=overdue, reference=reference
    )


Filters = Annotated[RequestFilter, Depends(_filters)]
Offset = Annotated[int, Query(ge=0, le=100_000)]


@router.get(
    "/requests", summary="Lister les demandes (échéance la plus proche d'abord)", responses=AUTH
)
async def list_requests(
    _agent: CurrentAgent,
    tracking: Context,
    filters: Filters,
    limit: Annotated[int, Query(ge=1, description="Au plus MAX_PAGE_SIZE")] = 50,
    offset: Offset = 0,
) -> RequestPage:
    if limit > tracking.settings.max_page_size:
        raise ProblemError(
            422, f"« limit » ne peut dépasser {tracking.settings.max_page_size}.", field="limit"
        )
    now = datetime.now(UTC)
    items, total = await repository.list_requests(
        db=tracking.db, filters=filters, now=now, limit=limit, offset=offset
    )
    summaries = [views.summary(doc, now=now) for doc in items]
    return RequestPage(items=summaries, total=total, limit=limit, offset=offset)


@router.get(
    "/requests/{request_id}",
    summary="Dossier complet d'une demande",
    responses={**AUTH, 404: {"description": "Demande inconnue"}},
)
async def get_request(
    request_id: RequestIdPath, _agent: CurrentAgent, tracking: Context
) -> RequestDetail:
    doc = await repository.get_request(db=tracking.db, request_id=request_id)
    if doc is None:
        raise ProblemError(404, commands.NOT_FOUND)
    entries = await repository.timeline(db=tracking.db, request_id=request_id)
    return views.detail(doc, entries, now=datetime.now(UTC))


@router.post(
    "/requests/{request_id}/status",
    status_code=202,
    summary="Changer le statut (appliqué après enregistrement dans le journal)",
    responses={
        **AUTH,
        404: {"description": "Demande inconnue"},
        409: {"description": "Changement non autorisé depuis le statut actuel"},
        503: {"description": "Journal d'événements indisponible ; réessayer (Retry-After)"},
    },
)
async def change_status(
    request_id: RequestIdPath,
    change: StatusChange,
    agent: CurrentAgent,
    tracking: Context,
    correlation_id: CorrelationId,
) -> StatusChangeAccepted:
    envelope = await commands.change_status(
        db=tracking.db,
        publisher=tracking.publisher,
        request_id=request_id,
        change=change,
        agent=agent,
        correlation_id=correlation_id,
    )
    return StatusChangeAccepted(
        event_id=envelope.id,
        request_id=request_id,
        status=change.status,
        status_label=lifecycle.label(change.status),
    )


@router.get("/stats/departments", summary="Demandes par service et par statut", responses=AUTH)
async def department_stats(_agent: CurrentAgent, tracking: Context) -> list[DepartmentStats]:
    by_status, overdue = await repository.department_counts(db=tracking.db, now=datetime.now(UTC))
    return views.department_stats(by_status, overdue, tracking.department_labels)
