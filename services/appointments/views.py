"""Reading the store into answers: free slots, bookings, day and week lists, statistics."""

import statistics
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from services.appointments import claims
from services.appointments.agendas import Agenda
from services.appointments.bookings import HOLDING, Booking, Status
from services.appointments.french import french_moment
from services.appointments.schemas import (
    AgendaStats,
    AgendaView,
    AgentBookingView,
    BookingView,
    FreeSlot,
)
from services.appointments.slots import local_instant, open_slots, within_window
from services.appointments.store import BOOKINGS, CONTACTS
from shared.mongo import Document
from shared.problems import ProblemError


def agenda_view(agenda: Agenda) -> AgendaView:
    return AgendaView(**agenda.model_dump(include=set(AgendaView.model_fields)))


def day_range(first: date, last: date, *, max_days: int) -> None:
    if last < first:
        raise ProblemError(422, "« to » doit suivre « from ».", field="to")
    if (last - first).days + 1 > max_days:
        raise ProblemError(422, f"La période demandée dépasse {max_days} jours.", field="to")


async def free_slots(
    db: AsyncDatabase[Document],
    agenda: Agenda,
    *,
    first: date,
    last: date,
    now: datetime,
    tz: ZoneInfo,
) -> list[FreeSlot]:
    """Slots a citizen may book now, with their free places (full ones left out)."""
    slots = [
        s
        for s in open_slots(agenda, first=first, last=last, tz=tz)
        if within_window(agenda, s.start, now=now)
    ]
    if not slots:
        return []
    taken = await claims.places_taken(
        db, agenda.agenda_id, first=slots[0].start, last=slots[-1].end
    )
    return [
        FreeSlot(
            start=s.start.astimezone(tz),
            end=s.end.astimezone(tz),
            free=s.capacity - taken.get(s.start, 0),
            label=french_moment(s.start, tz),
        )
        for s in slots
        if s.capacity > taken.get(s.start, 0)
    ]


def booking_view(booking: Booking, tz: ZoneInfo) -> BookingView:
    return BookingView(
        booking_id=booking.booking_id,
        agenda_id=booking.agenda_id,
        title=booking.title,
        location=booking.location,
        documents=booking.documents,
        start=booking.start.astimezone(tz),
        end=booking.end.astimezone(tz),
        label=french_moment(booking.start, tz),
        status=booking.status.value,
        name=booking.contact.name,
        reference=booking.request.reference if booking.request else None,
    )


def agent_view(booking: Booking, tz: ZoneInfo, *, no_shows: int) -> AgentBookingView:
    return AgentBookingView(
        **booking_view(booking, tz).model_dump(),
        email=booking.contact.email,
        phone=booking.contact.phone,
        booked_by=booking.booked_by.value,
        no_shows=no_shows,
    )


async def bookings_between(
    db: AsyncDatabase[Document], agenda_id: str, *, first: datetime, last: datetime
) -> list[Booking]:
    query = {"agenda_id": agenda_id, "start": {"$gte": first, "$lt": last}}
    cursor = db[BOOKINGS].find(query).sort("start", ASCENDING)
    return [Booking.from_doc(doc) async for doc in cursor]


def local_bounds(first: date, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    return local_instant(first, datetime.min.time(), tz), local_instant(
        last + timedelta(days=1), datetime.min.time(), tz
    )


async def agent_list(
    db: AsyncDatabase[Document], agenda: Agenda, *, first: date, last: date, tz: ZoneInfo
) -> list[AgentBookingView]:
    start, end = local_bounds(first, last, tz)
    found = [
        b
        for b in await bookings_between(db, agenda.agenda_id, first=start, last=end)
        if b.status.value in HOLDING
    ]
    keys = list({b.contact_key for b in found})
    counts = {
        doc["_id"]: len(doc.get("no_shows", []))
        async for doc in db[CONTACTS].find({"_id": {"$in": keys}})
    }
    return [agent_view(b, tz, no_shows=counts.get(b.contact_key, 0)) for b in found]


async def agenda_stats(
    db: AsyncDatabase[Document], agenda: Agenda, *, first: date, last: date, tz: ZoneInfo
) -> AgendaStats:
    offered = sum(s.capacity for s in open_slots(agenda, first=first, last=last, tz=tz))
    start, end = local_bounds(first, last, tz)
    found = await bookings_between(db, agenda.agenda_id, first=start, last=end)
    held = [b for b in found if b.status.value in HOLDING]
    count = {status: sum(1 for b in found if b.status is status) for status in Status}
    seen = count[Status.ARRIVED] + count[Status.NO_SHOW]
    leads = [(b.start - b.created_at).total_seconds() / 3600 for b in held]
    return AgendaStats(
        agenda_id=agenda.agenda_id,
        first_day=first,
        last_day=last,
        places_offered=offered,
        booked=len(held),
        arrived=count[Status.ARRIVED],
        no_shows=count[Status.NO_SHOW],
        cancelled=count[Status.CANCELLED],
        fill_rate=round(len(held) / offered, 4) if offered else None,
        lead_time_hours_median=round(statistics.median(leads), 2) if leads else None,
        no_show_rate=round(count[Status.NO_SHOW] / seen, 4) if seen else None,
    )
