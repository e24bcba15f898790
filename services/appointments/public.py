"""The citizens' API: agendas, free slots, booking, and the booking code to move or cancel."""

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse, Response

from services.appointments import changes, views
from services.appointments.agendas import Audience
from services.appointments.booker import BookingRequest
from services.appointments.bookings import Booking, RequestLink
from services.appointments.codes import code_hash
from services.appointments.context import Appointments, Context
from services.appointments.ics import booking_ics
from services.appointments.requests_view import open_request
from services.appointments.schemas import (
    AgendaView,
    BookingCreated,
    BookingView,
    CancelInput,
    CitizenBookingInput,
    MoveInput,
    SlotPage,
)
from services.appointments.store import BOOKINGS, list_agendas
from shared.events.appointments import BookedBy
from shared.http import CorrelationId, IdempotencyKey
from shared.problems import PROBLEM_JSON, ProblemError

router = APIRouter(prefix="/v1", tags=["usagers"])
_PROBLEM: dict[str, Any] = {PROBLEM_JSON: {}}
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"description": text, "content": _PROBLEM}
    for code, text in {
        404: "Agenda ou réservation introuvable",
        409: "Créneau complet, déjà réservé, quota atteint ou rendez-vous déjà modifié",
        422: "Données invalides ou créneau non réservable",
        503: "Service momentanément indisponible : réessayer après Retry-After",
    }.items()
}
AgendaId = Annotated[str, Path(min_length=1, max_length=64, description="Identifiant d'agenda")]
Code = Annotated[str, Path(min_length=1, max_length=40, description="Code de réservation")]


@router.get("/agendas", summary="Agendas ouverts à la réservation")
async def agendas(
    ctx: Context,
    department: Annotated[str | None, Query(max_length=64, description="Code du service")] = None,
) -> list[AgendaView]:
    return [views.agenda_view(a) for a in await list_agendas(ctx.db, department=department)]


@router.get("/agendas/{agenda_id}", summary="Un agenda", responses=ERRORS)
async def agenda(agenda_id: AgendaId, ctx: Context) -> AgendaView:
    return views.agenda_view(await ctx.agenda(agenda_id))


@router.get("/agendas/{agenda_id}/slots", summary="Créneaux libres", responses=ERRORS)
async def slots(
    agenda_id: AgendaId,
    ctx: Context,
    first: Annotated[
        date | None, Query(alias="from", description="Premier jour (AAAA-MM-JJ)")
    ] = None,
    last: Annotated[date | None, Query(alias="to", description="Dernier jour inclus")] = None,
) -> SlotPage:
    agenda = await ctx.agenda(agenda_id)
    now = ctx.booker.clock()
    first = first or now.astimezone(ctx.tz).date()
    last = last or first + timedelta(days=13)
    views.day_range(first, last, max_days=ctx.settings.max_query_days)
    found = await views.free_slots(ctx.db, agenda, first=first, last=last, now=now, tz=ctx.tz)
    return SlotPage(agenda_id=agenda_id, first_day=first, last_day=last, slots=found)


@router.post(
    "/agendas/{agenda_id}/bookings",
    summary="Réserver un créneau",
    status_code=201,
    responses=ERRORS | {201: {"description": "Réservé : le code de réservation est donné"}},
)
async def book(
    agenda_id: AgendaId,
    body: CitizenBookingInput,
    ctx: Context,
    correlation_id: CorrelationId,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    agenda = await ctx.agenda(agenda_id)
    link = await _request_link(ctx, body, required=agenda.audience is Audience.OPEN_REQUEST)
    ask = BookingRequest(
        agenda=agenda,
        start=body.start,
        contact=body.contact,
        booked_by=BookedBy.CITIZEN,
        actor="usager",
        request=link,
        idempotency_key=idempotency_key,
        correlation_id=correlation_id,
    )
    booking, replay = await ctx.booker.book(ask)
    created = created_view(ctx, booking)
    headers = {"Location": created.manage_url} | ({"Idempotent-Replayed": "true"} if replay else {})
    return JSONResponse(created.model_dump(mode="json"), status_code=201, headers=headers)


async def _request_link(
    ctx: Appointments, body: CitizenBookingInput, *, required: bool
) -> RequestLink | None:
    if body.request is None:
        if required:
            raise ProblemError(
                422,
                "Cet agenda est réservé aux demandes en cours : indiquez la référence et le code "
                "de suivi de votre demande.",
                field="request",
            )
        return None
    found = await open_request(
        ctx.db, reference=body.request.reference, token=body.request.tracking_token
    )
    if found is None:
        raise ProblemError(
            422,
            "Aucune demande en cours ne correspond à cette référence et ce code de suivi.",
            field="request",
        )
    return RequestLink(request_id=found[0], reference=found[1])


def created_view(ctx: Appointments, booking: Booking) -> BookingCreated:
    code = ctx.booker.code_of(booking.booking_id)
    url = ctx.settings.manage_url(code)
    return BookingCreated(
        **views.booking_view(booking, ctx.tz).model_dump(),
        code=code,
        manage_url=url,
        ics_url=f"{url}/ics",
    )


async def by_code(ctx: Appointments, code: str) -> Booking:
    doc = await ctx.db[BOOKINGS].find_one({"code_hash": code_hash(code)})
    if doc is None or doc["status"] in ("pending", "refused", "abandoning", "abandoned"):
        raise ProblemError(404, "Aucune réservation ne correspond à ce code.")
    return Booking.from_doc(doc)


@router.get("/bookings/{code}", summary="Ma réservation", responses=ERRORS)
async def show(code: Code, ctx: Context) -> BookingView:
    return views.booking_view(await by_code(ctx, code), ctx.tz)


@router.get(
    "/bookings/{code}/ics",
    summary="Ma réservation au format agenda (.ics)",
    response_class=Response,
    responses=ERRORS | {200: {"content": {"text/calendar": {}}}},
)
async def ics(code: Code, ctx: Context) -> Response:
    booking = await by_code(ctx, code)
    body = booking_ics(booking, tz=ctx.tz, town=ctx.settings.town_name)
    disposition = f'attachment; filename="rendez-vous-{booking.booking_id[:8]}.ics"'
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": disposition},
    )


@router.post("/bookings/{code}/move", summary="Déplacer ma réservation", responses=ERRORS)
async def move(
    code: Code, body: MoveInput, ctx: Context, correlation_id: CorrelationId
) -> BookingView:
    booking = await by_code(ctx, code)
    moved = await changes.move(
        ctx.booker,
        booking,
        start=body.start,
        by=BookedBy.CITIZEN,
        actor="usager",
        correlation_id=correlation_id,
    )
    return views.booking_view(moved, ctx.tz)


@router.post("/bookings/{code}/cancel", summary="Annuler ma réservation", responses=ERRORS)
async def cancel(
    code: Code, ctx: Context, correlation_id: CorrelationId, body: CancelInput | None = None
) -> BookingView:
    booking = await by_code(ctx, code)
    reason = (body or CancelInput()).reason
    cancelled = await changes.cancel(
        ctx.booker, booking, actor="usager", reason=reason, correlation_id=correlation_id
    )
    return views.booking_view(cancelled, ctx.tz)
