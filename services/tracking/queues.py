"""Agents' queues over HTTP: the filtered list, unassigned requests, the admin queue."""

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from services.tracking import queue, views
from services.tracking.access import Access, Admin, Manager, Staff
from services.tracking.context import Context, Tracking
from services.tracking.queries import RequestFilter
from services.tracking.queue import QueueFilter
from services.tracking.schemas import RequestPage
from shared.events import Channel, RequestStatus
from shared.problems import ProblemError

router = APIRouter(prefix="/v1", tags=["files d'attente"])
AUTH: dict[int | str, dict[str, Any]] = {
    400: {"description": "Curseur invalide"},
    401: {"description": "Jeton d'agent absent, invalide ou expiré"},
    403: {"description": "Rôle insuffisant"},
}
Code = Annotated[str | None, Query(max_length=64)]
Moment = Annotated[datetime | None, Query(description="Date ISO 8601 avec fuseau")]


def _filters(
    status: Annotated[RequestStatus | None, Query()] = None,
    department: Annotated[str | None, Query(max_length=64, description="Code du service")] = None,
    category: Code = None,
    channel: Annotated[Channel | None, Query()] = None,
    assignee: Annotated[
        str | None, Query(max_length=100, description="Identifiant d'agent, `me` ou `none`")
    ] = None,
    overdue: Annotated[bool | None, Query(description="true : échéance dépassée")] = None,
    due_before: Moment = None,
    received_from: Moment = None,
    received_to: Moment = None,
    q: Annotated[
        str | None,
        Query(max_length=200, description="Texte : référence, objet, description, nom"),
    ] = None,
    reference: Annotated[str | None, Query(max_length=32)] = None,
) -> QueueFilter:
    for name, moment in (
        ("due_before", due_before),
        ("received_from", received_from),
        ("received_to", received_to),
    ):
        if moment is not None and moment.tzinfo is None:
            raise ProblemError(422, f"« {name} » doit préciser le fuseau horaire.", field=name)
    base = RequestFilter(
        status=status, department=department, channel=channel, overdue=overdue, reference=reference
    )
    return QueueFilter(
        base=base,
        category=category,
        assignee=assignee,
        due_before=due_before,
        received_from=received_from,
        received_to=received_to,
        text=q,
    )


Filters = Annotated[QueueFilter, Depends(_filters)]
Limit = Annotated[int, Query(ge=1, description="Au plus MAX_PAGE_SIZE")]
Cursor = Annotated[
    str | None, Query(max_length=500, description="`next_cursor` de la page précédente")
]


async def _page(
    *, tracking: Tracking, access: Access, filters: QueueFilter, limit: int, cursor: str | None
) -> RequestPage:
    if limit > tracking.settings.max_page_size:
        raise ProblemError(
            422, f"« limit » ne peut dépasser {tracking.settings.max_page_size}.", field="limit"
        )
    if filters.assignee == "me":
        filters = QueueFilter(**{**filters.__dict__, "assignee": access.agent.agent_id})
    now = datetime.now(UTC)
    items, next_cursor, total = await queue.page(
        db=tracking.db, access=access, filters=filters, now=now, limit=limit, cursor=cursor
    )
    summaries = [views.summary(doc, now=now) for doc in items]
    return RequestPage(items=summaries, total=total, limit=limit, next_cursor=next_cursor)


@router.get(
    "/requests", summary="File des demandes (échéance la plus proche d'abord)", responses=AUTH
)
async def list_requests(
    access: Staff, tracking: Context, filters: Filters, limit: Limit = 50, cursor: Cursor = None
) -> RequestPage:
    return await _page(
        tracking=tracking, access=access, filters=filters, limit=limit, cursor=cursor
    )


@router.get(
    "/queues/unassigned", summary="Demandes du service sans agent (responsables)", responses=AUTH
)
async def unassigned(
    access: Manager, tracking: Context, filters: Filters, limit: Limit = 50, cursor: Cursor = None
) -> RequestPage:
    filters = QueueFilter(**{**filters.__dict__, "assignee": queue.UNASSIGNED})
    return await _page(
        tracking=tracking, access=access, filters=filters, limit=limit, cursor=cursor
    )


@router.get(
    "/queues/admin",
    summary="Demandes transférées trop souvent, en attente d'arbitrage",
    responses=AUTH,
)
async def admin_queue(
    access: Admin, tracking: Context, limit: Limit = 50, cursor: Cursor = None
) -> RequestPage:
    filters = QueueFilter(admin_queue=True)
    return await _page(
        tracking=tracking, access=access, filters=filters, limit=limit, cursor=cursor
    )


@router.get("/queues/overdue", summary="Demandes en retard, par service", responses=AUTH)
async def overdue(
    access: Staff, tracking: Context, limit: Limit = 50, cursor: Cursor = None
) -> RequestPage:
    filters = QueueFilter(base=RequestFilter(overdue=True))
    return await _page(
        tracking=tracking, access=access, filters=filters, limit=limit, cursor=cursor
    )


@router.get(
    "/queues/escalated",
    summary="Vue de pilotage : demandes qu'aucun agent n'a traitées à temps",
    responses=AUTH,
)
async def escalated(
    access: Manager, tracking: Context, limit: Limit = 50, cursor: Cursor = None
) -> RequestPage:
    filters = QueueFilter(escalated=True)
    return await _page(
        tracking=tracking, access=access, filters=filters, limit=limit, cursor=cursor
    )
