"""Adoption statistics over HTTP (supervisors of the department, admins): JSON or CSV."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pymongo.asynchronous.database import AsyncDatabase

from services.tracking import indexes, statistics
from services.tracking.access import Access, Manager
from services.tracking.context import Context
from services.tracking.queries import DONE
from services.tracking.store import REQUESTS, TIMELINE
from shared.mongo import Document
from shared.problems import ProblemError

router = APIRouter(prefix="/v1/stats", tags=["statistiques"])
MAX_WEEKS = 53
REQUEST_FIELDS = {
    "department_code": 1,
    "submitted_at": 1,
    "channel": 1,
    "touched_by_agent": 1,
    "first_response_at": 1,
    "finished_at": 1,
    "status": 1,
    "due_at": 1,
}


def _departments(access: Access, asked: str | None) -> list[str] | None:
    """The departments the figures cover; None: every one (admins)."""
    if access.is_admin:
        return [asked] if asked else None
    if asked and asked != access.agent.department:
        raise ProblemError(403, "Vous ne voyez que les statistiques de votre service.")
    return [access.agent.department]


def _window(start: date | None, end: date | None) -> tuple[datetime, datetime]:
    today = datetime.now(UTC).date()
    end = end or today + timedelta(days=1)
    start = start or end - timedelta(weeks=8)
    if start >= end or end - start > timedelta(weeks=MAX_WEEKS):
        raise ProblemError(422, f"Période invalide : au plus {MAX_WEEKS} semaines.", field="start")
    return datetime.combine(start, time(), UTC), datetime.combine(end, time(), UTC)


async def _load(
    db: AsyncDatabase[Document], departments: list[str] | None, start: datetime, end: datetime
) -> tuple[list[Document], list[Document], list[Document]]:
    scope: dict[str, Any] = {
        "department_code": {"$in": departments} if departments else {"$ne": None}
    }
    received = db[REQUESTS].find(
        {**scope, "submitted_at": {"$gte": start, "$lt": end}},
        REQUEST_FIELDS,
        hint=indexes.BY_RECEIVED,
    )
    actions = db[TIMELINE].find(
        {**scope, "at": {"$gte": start, "$lt": end}, "actor": {"$nin": [None, "system"]}},
        {"department_code": 1, "at": 1, "actor": 1},
        hint=indexes.BY_ACTIVITY,
    )
    backlog = db[REQUESTS].find(
        {**scope, "status": {"$nin": DONE}}, REQUEST_FIELDS, hint=indexes.BY_RECEIVED
    )
    return (
        [d async for d in received],
        [e async for e in actions],
        [d async for d in backlog if d.get("submitted_at")],
    )


@router.get(
    "/adoption",
    summary="Adoption de Relais par service et par semaine (JSON ou CSV)",
    responses={
        200: {"content": {"text/csv": {}}},
        401: {"description": "Jeton d'agent absent, invalide ou expiré"},
        403: {"description": "Réservé aux responsables du service et aux administrateurs"},
    },
)
async def adoption(
    access: Manager,
    tracking: Context,
    department: Annotated[str | None, Query(max_length=64)] = None,
    start: Annotated[date | None, Query(description="Premier jour (inclus)")] = None,
    end: Annotated[date | None, Query(description="Dernier jour (exclu)")] = None,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> Any:
    departments = _departments(access, department)
    since, until = _window(start, end)
    received, actions, open_requests = await _load(tracking.db, departments, since, until)
    lines = [statistics.summary(w) for w in statistics.weeks(received, actions)]
    if format == "csv":
        return Response(
            statistics.to_csv(lines),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="adoption.csv"'},
        )
    return {
        "start": since.date(),
        "end": until.date(),
        "weeks": lines,
        "backlog_by_age": statistics.backlog(open_requests, now=datetime.now(UTC)),
    }
