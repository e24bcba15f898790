"""Changing a booking: move, cancel, arrived, no-show.

Every change first bumps the booking's version with a compare-and-set, so two changes of the
same booking never interleave. A move claims the new place before releasing the old one, so
the citizen never ends up with neither; the event is acknowledged by Kafka before the booking
is rewritten, and claims in question are settled by the sweep if the process dies.
"""

from datetime import datetime

from services.appointments import claims
from services.appointments.booker import Booker, BookingRequest, event_details
from services.appointments.bookings import Booking, Status
from services.appointments.contacts import ContactInput
from services.appointments.store import BOOKINGS, CONTACTS, get_agenda
from shared.errors import BrokerUnavailable
from shared.events.appointments import (
    AppointmentCancelled,
    AppointmentChange,
    AppointmentMoved,
    AppointmentNoShow,
    BookedBy,
)
from shared.problems import ProblemError

CHANGED = "Ce rendez-vous vient d'être modifié par ailleurs ; rechargez-le puis réessayez."


async def _lock(booker: Booker, booking: Booking) -> int:
    """Take the right to change `booking` (409 if it changed meanwhile); the new version."""
    result = await booker.db[BOOKINGS].update_one(
        {"_id": booking.booking_id, "version": booking.version, "status": Status.CONFIRMED.value},
        {"$inc": {"version": 1}},
    )
    if result.matched_count != 1:
        raise ProblemError(409, CHANGED)
    return booking.version + 1


async def move(
    booker: Booker,
    booking: Booking,
    *,
    start: datetime,
    by: BookedBy,
    actor: str,
    correlation_id: str = "",
) -> Booking:
    if booking.status is not Status.CONFIRMED:
        raise ProblemError(409, "Ce rendez-vous ne peut plus être déplacé.")
    agenda = await get_agenda(booker.db, booking.agenda_id)
    if agenda is None:
        raise ProblemError(404, "Agenda introuvable.")
    now = booker.clock()
    slot = booker.slot(agenda, start, now=now, by=by)
    if slot.start == booking.start:
        return booking
    version = await _lock(booker, booking)
    contact = ContactInput.model_validate(booking.contact.model_dump())
    # Claimed as an agent would: the quota is already held by this same booking.
    ask = BookingRequest(
        agenda=agenda, start=slot.start, contact=contact, booked_by=BookedBy.AGENT, actor=actor
    )
    try:
        await booker.claim(ask, booking.booking_id, slot, now=now)
    except ProblemError:
        await claims.release(booker.db, booking.booking_id, start=slot.start)
        raise
    moved = booking.model_copy(update={"start": slot.start, "end": slot.end, "version": version})
    event = AppointmentMoved(
        **event_details(moved), previous_start=booking.start, actor=actor, moved_at=now
    )
    event_id = f"{booking.booking_id}.v{version}.moved"
    try:
        await booker.announcer.appointment(event, event_id=event_id, correlation_id=correlation_id)
        await booker.announcer.on_request(
            moved,
            change=AppointmentChange.MOVED,
            start=slot.start,
            actor=actor,
            event_id=event_id,
            now=now,
        )
    except BrokerUnavailable:
        await claims.release(booker.db, booking.booking_id, start=slot.start)
        raise
    await claims.unconfirm(booker.db, booking.booking_id, now=now)
    await booker.db[BOOKINGS].update_one(
        {"_id": booking.booking_id, "version": version},
        {"$set": {"start": slot.start, "end": slot.end, "reminder_sent": False, "moved_at": now}},
    )
    await booker.db[claims.CLAIMS].update_many(
        {"booking_id": booking.booking_id, "kind": claims.ClaimKind.QUOTA.value},
        {"$set": {"start": slot.start}},
    )
    await claims.release(booker.db, booking.booking_id, start=booking.start)
    await claims.confirm(booker.db, booking.booking_id)
    return moved


async def cancel(
    booker: Booker, booking: Booking, *, actor: str, reason: str, correlation_id: str = ""
) -> Booking:
    if booking.status is Status.CANCELLED:
        return booking
    if booking.status is not Status.CONFIRMED:
        raise ProblemError(409, "Ce rendez-vous ne peut plus être annulé.")
    version = await _lock(booker, booking)
    now = booker.clock()
    link = booking.request
    event = AppointmentCancelled(
        agenda_id=booking.agenda_id,
        booking_id=booking.booking_id,
        start=booking.start,
        reason=reason,
        actor=actor,
        cancelled_at=now,
        request_id=link.request_id if link else None,
        reference=link.reference if link else None,
    )
    event_id = f"{booking.booking_id}.cancelled"
    await booker.announcer.appointment(event, event_id=event_id, correlation_id=correlation_id)
    await booker.announcer.on_request(
        booking,
        change=AppointmentChange.CANCELLED,
        start=booking.start,
        actor=actor,
        event_id=event_id,
        now=now,
    )
    await booker.db[BOOKINGS].update_one(
        {"_id": booking.booking_id, "version": version},
        {"$set": {"status": Status.CANCELLED.value, "cancelled_at": now, "cancel_reason": reason}},
    )
    await claims.release(booker.db, booking.booking_id)
    return booking.model_copy(update={"status": Status.CANCELLED, "version": version})


async def mark(booker: Booker, booking: Booking, *, outcome: Status, actor: str) -> Booking:
    """An agent records that the citizen came, or did not (counted per contact)."""
    now = booker.clock()
    if booking.status not in (Status.CONFIRMED, outcome):
        raise ProblemError(409, "Ce rendez-vous n'est plus en attente.")
    if outcome is Status.NO_SHOW and booking.start > now:
        raise ProblemError(409, "Le rendez-vous n'a pas encore commencé.")
    result = await booker.db[BOOKINGS].update_one(
        {"_id": booking.booking_id, "status": {"$in": [Status.CONFIRMED.value, outcome.value]}},
        {"$set": {"status": outcome.value, "marked_at": now, "marked_by": actor}},
    )
    if result.matched_count != 1:
        raise ProblemError(409, CHANGED)
    marked = booking.model_copy(update={"status": outcome})
    if outcome is Status.NO_SHOW:
        await _no_show(booker, marked, actor=actor, now=now)
    return marked


async def _no_show(booker: Booker, booking: Booking, *, actor: str, now: datetime) -> None:
    # A set of booking ids, not a counter: marking twice counts once.
    await booker.db[CONTACTS].update_one(
        {"_id": booking.contact_key}, {"$addToSet": {"no_shows": booking.booking_id}}, upsert=True
    )
    count = await no_shows(booker, booking.contact_key)
    event = AppointmentNoShow(
        agenda_id=booking.agenda_id,
        booking_id=booking.booking_id,
        start=booking.start,
        no_shows=max(count, 1),
        actor=actor,
        marked_at=now,
    )
    event_id = f"{booking.booking_id}.no_show"
    await booker.announcer.appointment(event, event_id=event_id)
    await booker.announcer.on_request(
        booking,
        change=AppointmentChange.NO_SHOW,
        start=booking.start,
        actor=actor,
        event_id=event_id,
        now=now,
    )


async def no_shows(booker: Booker, key: str) -> int:
    doc = await booker.db[CONTACTS].find_one({"_id": key})
    return len(doc.get("no_shows", [])) if doc else 0
