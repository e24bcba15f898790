"""Recovery and reminders, run at start-up and then periodically (any replica may run it).

- A booking still pending after its lease was never answered (the process died between its
  claims and its confirmation): it is rolled back, `AppointmentCancelled` told in case its
  `AppointmentBooked` went out, and its claims released.
- A claim left unconfirmed longer than the lease is kept only if its booking holds it.
- Bookings starting within the reminder delay get `AppointmentReminderDue`, once.
Every step is a compare-and-set, so two replicas sweeping at once do no harm.
"""

import asyncio
from datetime import timedelta

import structlog
from pymongo.errors import PyMongoError

from services.appointments import claims
from services.appointments.booker import Booker, event_details
from services.appointments.bookings import HOLDING, Booking, Status
from services.appointments.claims import ClaimKind
from services.appointments.store import BOOKINGS, CLAIMS
from shared.errors import BrokerUnavailable
from shared.events.appointments import AppointmentCancelled, AppointmentReminderDue
from shared.mongo import Document

log = structlog.get_logger(__name__)
BATCH = 200


async def abandon_stale(booker: Booker) -> int:
    now = booker.clock()
    expired = {"status": Status.PENDING.value, "lease_until": {"$lt": now}}
    count = 0
    async for doc in booker.db[BOOKINGS].find(expired).limit(BATCH):
        taken = await booker.db[BOOKINGS].update_one(
            {"_id": doc["_id"], **expired}, {"$set": {"status": Status.ABANDONING.value}}
        )
        count += taken.modified_count
    stuck = {"status": Status.ABANDONING.value}
    async for doc in booker.db[BOOKINGS].find(stuck).limit(BATCH):
        await _roll_back(booker, Booking.from_doc(doc))
    return count


async def _roll_back(booker: Booker, booking: Booking) -> None:
    event = AppointmentCancelled(
        agenda_id=booking.agenda_id,
        booking_id=booking.booking_id,
        start=booking.start,
        reason="Réservation interrompue avant sa confirmation",
        actor="système",
        cancelled_at=booker.clock(),
        request_id=booking.request.request_id if booking.request else None,
        reference=booking.request.reference if booking.request else None,
    )
    await booker.announcer.appointment(
        event, event_id=f"{booking.booking_id}.v{booking.version}.abandoned"
    )
    await claims.release(booker.db, booking.booking_id)
    await booker.db[BOOKINGS].update_one(
        {"_id": booking.booking_id, "status": Status.ABANDONING.value},
        {"$set": {"status": Status.ABANDONED.value}, "$unset": {"lease_until": ""}},
    )
    log.info("appointments.booking_rolled_back", booking_id=booking.booking_id)


def _backed(claim: Document, booking: Document | None) -> bool:
    if booking is None or booking["status"] not in HOLDING:
        return False
    return claim["kind"] == ClaimKind.QUOTA.value or claim["start"] == booking["start"]


async def settle_claims(booker: Booker) -> int:
    """Confirm or release claims left in question; the number released."""
    before = booker.clock() - booker.lease
    stale = {"confirmed": False, "claimed_at": {"$lt": before}}
    released = 0
    async for claim in booker.db[CLAIMS].find(stale).limit(BATCH):
        booking = await booker.db[BOOKINGS].find_one({"_id": claim["booking_id"]})
        if booking is not None and booking["status"] in (Status.PENDING, Status.ABANDONING):
            continue  # settled with its booking
        owned = {"_id": claim["_id"], "booking_id": claim["booking_id"], "confirmed": False}
        if _backed(claim, booking):
            await booker.db[CLAIMS].update_one(owned, {"$set": {"confirmed": True}})
        else:
            released += (await booker.db[CLAIMS].delete_one(owned)).deleted_count
    return released


async def remind(booker: Booker, *, ahead: timedelta) -> int:
    now = booker.clock()
    due = {
        "status": Status.CONFIRMED.value,
        "reminder_sent": False,
        "start": {"$gt": now, "$lte": now + ahead},
    }
    sent = 0
    async for doc in booker.db[BOOKINGS].find(due).limit(BATCH):
        booking = Booking.from_doc(doc)
        event = AppointmentReminderDue(**event_details(booking), due_at=now)
        event_id = f"{booking.booking_id}.v{booking.version}.reminder"
        await booker.announcer.appointment(event, event_id=event_id)
        result = await booker.db[BOOKINGS].update_one(
            {"_id": booking.booking_id, "version": booking.version},
            {"$set": {"reminder_sent": True}},
        )
        sent += result.modified_count
    return sent


async def sweep_once(booker: Booker, *, reminder_ahead: timedelta) -> None:
    await abandon_stale(booker)
    await settle_claims(booker)
    await remind(booker, ahead=reminder_ahead)


async def sweep_forever(booker: Booker, *, interval_s: float, reminder_ahead: timedelta) -> None:
    while True:
        try:
            await sweep_once(booker, reminder_ahead=reminder_ahead)
        except (BrokerUnavailable, PyMongoError) as exc:
            log.warning("appointments.sweep_failed", error=type(exc).__name__)
        await asyncio.sleep(interval_s)
