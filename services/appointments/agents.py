"""The agents' API: agendas and exceptions, booking for a citizen, day and week lists,
arrived / no-show, statistics. Every route needs an agent's bearer token."""

from datetime import date, timedelta
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from services.appointments import changes, views
from services.appointments.agendas import AgendaInput, ClosureInput
from services.appointments.booker import BookingRequest
from services.appointments.bookings import Booking, RequestLink, Status
from services.appointments.context import Appointments, Context, may_manage
from services.appointments.public import ERRORS, AgendaId, created_view
from services.appointments.schemas import (
    AgendaDay,
    AgendaStats,
    AgendaView,
    AgentBookingInput,
    AgentBookingView,
    CancelInput,
    ClosureResult,
    MoveInput,
)
from services.appointments.store import BOOKINGS, add_closure, create_agenda
from shared.auth import Agent, CurrentAgent
from shared.events.appointments import BookedBy
from shared.http import CorrelationId, IdempotencyKey
from shared.problems import ProblemError

router = APIRouter(prefix="/v1/agents", tags=["agents"])
AUTH: dict[int | str, dict[str, Any]] = ERRORS | {
    401: {"description": "Jeton d'agent absent, invalide ou expiré"},
    403: {"description": "Agenda d'un autre service"},
}
_VISIBLE = {"confirmed", "arrived", "no_show", "cancelled"}
BookingId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
Day = Annotated[date | None, Query(description="Jour (AAAA-MM-JJ), aujourd'hui par défaut")]


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"


def _actor(agent: Agent) -> str:
    return agent.name[:100] or agent.agent_id[:100]


@router.post("/agendas", summary="Créer un agenda", status_code=201, responses=AUTH)
async def create(body: AgendaInput, agent: CurrentAgent, ctx: Context) -> AgendaView:
    may_manage(agent, body.department)
    if not await create_agenda(ctx.db, body, now=ctx.booker.clock()):
        raise ProblemError(409, f"Un agenda « {body.agenda_id} » existe déjà.")
    return views.agenda_view(await ctx.agenda(body.agenda_id))


@router.post(
    "/agendas/{agenda_id}/closures",
    summary="Fermer une plage (fermeture, absence d'un agent)",
    status_code=201,
    responses=AUTH,
)
async def close(
    agenda_id: AgendaId, body: ClosureInput, agent: CurrentAgent, ctx: Context
) -> ClosureResult:
    may_manage(agent, (await ctx.agenda(agenda_id)).department)
    agenda = await add_closure(ctx.db, agenda_id, body, actor=_actor(agent))
    if agenda is None:
        raise ProblemError(404, "Agenda introuvable.")
    found = await views.bookings_between(ctx.db, agenda_id, first=body.start, last=body.end)
    affected = [b for b in found if b.status is Status.CONFIRMED]
    return ClosureResult(
        closure_id=agenda.closures[-1].closure_id,
        affected=[views.agent_view(b, ctx.tz, no_shows=0) for b in affected],
    )


@router.post(
    "/agendas/{agenda_id}/bookings",
    summary="Réserver pour un usager (guichet, téléphone)",
    status_code=201,
    responses=AUTH,
)
async def book_for(
    agenda_id: AgendaId,
    body: AgentBookingInput,
    agent: CurrentAgent,
    ctx: Context,
    correlation_id: CorrelationId,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    link = RequestLink(**body.request.model_dump()) if body.request else None
    ask = BookingRequest(
        agenda=await ctx.agenda(agenda_id),
        start=body.start,
        contact=body.contact,
        booked_by=BookedBy.AGENT,
        actor=_actor(agent),
        request=link,
        idempotency_key=idempotency_key,
        correlation_id=correlation_id,
    )
    booking, replay = await ctx.booker.book(ask)
    headers = {"Idempotent-Replayed": "true"} if replay else {}
    body_out = created_view(ctx, booking).model_dump(mode="json")
    return JSONResponse(body_out, status_code=201, headers=headers)


@router.get(
    "/agendas/{agenda_id}/bookings", summary="Rendez-vous du jour ou de la semaine", responses=AUTH
)
async def day_list(
    agenda_id: AgendaId,
    _agent: CurrentAgent,
    ctx: Context,
    day: Day = None,
    period: Annotated[
        Period, Query(description="day : ce jour ; week : sa semaine (lundi-dimanche)")
    ] = Period.DAY,
) -> AgendaDay:
    agenda = await ctx.agenda(agenda_id)
    first = day or ctx.booker.clock().astimezone(ctx.tz).date()
    if period is Period.WEEK:
        first -= timedelta(days=first.weekday())
    last = first + timedelta(days=6 if period is Period.WEEK else 0)
    found = await views.agent_list(ctx.db, agenda, first=first, last=last, tz=ctx.tz)
    return AgendaDay(agenda_id=agenda_id, first_day=first, last_day=last, bookings=found)


@router.get(
    "/agendas/{agenda_id}/stats", summary="Taux de remplissage, délai, absences", responses=AUTH
)
async def stats(
    agenda_id: AgendaId,
    _agent: CurrentAgent,
    ctx: Context,
    first: Annotated[date, Query(alias="from")],
    last: Annotated[date, Query(alias="to")],
) -> AgendaStats:
    agenda = await ctx.agenda(agenda_id)
    views.day_range(first, last, max_days=366)
    return await views.agenda_stats(ctx.db, agenda, first=first, last=last, tz=ctx.tz)


async def _booking(ctx: Appointments, booking_id: str) -> Booking:
    doc = await ctx.db[BOOKINGS].find_one({"_id": booking_id})
    if doc is None or doc["status"] not in _VISIBLE:
        raise ProblemError(404, "Rendez-vous introuvable.")
    return Booking.from_doc(doc)


async def _view(ctx: Appointments, booking: Booking) -> AgentBookingView:
    return views.agent_view(
        booking, ctx.tz, no_shows=await changes.no_shows(ctx.booker, booking.contact_key)
    )


@router.post("/bookings/{booking_id}/arrived", summary="L'usager est arrivé", responses=AUTH)
async def arrived(booking_id: BookingId, agent: CurrentAgent, ctx: Context) -> AgentBookingView:
    booking = await _booking(ctx, booking_id)
    marked = await changes.mark(ctx.booker, booking, outcome=Status.ARRIVED, actor=_actor(agent))
    return await _view(ctx, marked)


@router.post("/bookings/{booking_id}/no-show", summary="L'usager n'est pas venu", responses=AUTH)
async def no_show(booking_id: BookingId, agent: CurrentAgent, ctx: Context) -> AgentBookingView:
    booking = await _booking(ctx, booking_id)
    marked = await changes.mark(ctx.booker, booking, outcome=Status.NO_SHOW, actor=_actor(agent))
    return await _view(ctx, marked)


@router.post("/bookings/{booking_id}/move", summary="Déplacer un rendez-vous", responses=AUTH)
async def move(
    booking_id: BookingId,
    body: MoveInput,
    agent: CurrentAgent,
    ctx: Context,
    correlation_id: CorrelationId,
) -> AgentBookingView:
    booking = await _booking(ctx, booking_id)
    moved = await changes.move(
        ctx.booker,
        booking,
        start=body.start,
        by=BookedBy.AGENT,
        actor=_actor(agent),
        correlation_id=correlation_id,
    )
    return await _view(ctx, moved)


@router.post("/bookings/{booking_id}/cancel", summary="Annuler un rendez-vous", responses=AUTH)
async def cancel(
    booking_id: BookingId,
    body: CancelInput,
    agent: CurrentAgent,
    ctx: Context,
    correlation_id: CorrelationId,
) -> AgentBookingView:
    booking = await _booking(ctx, booking_id)
    cancelled = await changes.cancel(
        ctx.booker, booking, actor=_actor(agent), reason=body.reason, correlation_id=correlation_id
    )
    return await _view(ctx, cancelled)
