"""Booking a place: claims first, the event acknowledged by Kafka, then the booking confirmed.

No place is ever held twice: each place is a unique claim (see `claims`). A booking answers
201 only once Kafka acknowledged `AppointmentBooked`; if the broker is down, its claims are
released and the client gets 503. A booking left pending by a killed process is rolled back
by the sweep after its lease (its client never got an answer). An Idempotency-Key names the
booking itself (its id is derived from the key), so a double click or a retry finds the same
booking, waits for it if in flight, and is answered the same way.
"""

import asyncio
import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.appointments import claims
from services.appointments.agendas import Agenda
from services.appointments.announce import Announcer
from services.appointments.bookings import Booking, RequestLink, Status, new_booking_doc
from services.appointments.claims import ClaimKind
from services.appointments.codes import booking_code, code_hash
from services.appointments.contacts import ContactInput, contact_key
from services.appointments.french import french_moment
from services.appointments.slots import Slot, find_slot, within_window
from services.appointments.store import BOOKINGS
from shared.errors import BrokerUnavailable
from shared.events.appointments import AppointmentBooked, AppointmentChange, BookedBy
from shared.mongo import Document
from shared.problems import ProblemError

FULL = "Créneau complet : toutes les places sont prises. Choisissez un autre créneau."
RETRY = "La réservation n'a pas pu être confirmée ; réessayez dans quelques instants."


def now_utc() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class BookingRequest:
    agenda: Agenda
    start: datetime
    contact: ContactInput
    booked_by: BookedBy
    actor: str
    request: RequestLink | None = None
    idempotency_key: str | None = None
    correlation_id: str = ""


@dataclass
class Booker:
    db: AsyncDatabase[Document]
    announcer: Announcer
    tz: ZoneInfo
    code_secret: str
    lease: timedelta = timedelta(seconds=60)
    clock: Callable[[], datetime] = field(default=now_utc)

    def code_of(self, booking_id: str) -> str:
        return booking_code(booking_id, secret=self.code_secret)

    async def book(self, ask: BookingRequest) -> tuple[Booking, bool]:
        """The booking (confirmed) and whether it answers an earlier identical request."""
        now = self.clock()
        slot = self.slot(ask.agenda, ask.start, now=now, by=ask.booked_by)
        booking_id = _booking_id(ask)
        if await self._seen(ask, booking_id) is None and await claims.full(
            self.db, slot, ask.agenda.agenda_id
        ):
            raise ProblemError(409, FULL, code="slot_full")  # the common refusal, no write
        doc = new_booking_doc(
            booking_id=booking_id,
            agenda=ask.agenda,
            start=slot.start,
            end=slot.end,
            contact=ask.contact,
            key=contact_key(ask.contact),
            code_hash=code_hash(self.code_of(booking_id)),
            booked_by=ask.booked_by,
            actor=ask.actor,
            request=ask.request,
            now=now,
            lease_until=now + self.lease,
        )
        try:
            await self.db[BOOKINGS].insert_one(doc)
        except DuplicateKeyError:
            return await self._replay(ask, doc, slot)
        return await self._complete(ask, doc, slot), False

    async def _seen(self, ask: BookingRequest, booking_id: str) -> Document | None:
        """The booking an earlier attempt with the same Idempotency-Key made, if any."""
        if ask.idempotency_key is None:
            return None
        return await self.db[BOOKINGS].find_one({"_id": booking_id}, {"_id": 1})

    def slot(self, agenda: Agenda, start: datetime, *, now: datetime, by: BookedBy) -> Slot:
        """The open slot at `start`, if this booker may take it now (422 otherwise)."""
        slot = find_slot(agenda, start, tz=self.tz)
        if slot is None:
            raise ProblemError(422, "Aucun créneau de cet agenda ne commence à cette heure.")
        if slot.start <= now:
            raise ProblemError(422, "Ce créneau est déjà passé.")
        if by is BookedBy.CITIZEN and not within_window(agenda, slot.start, now=now):
            raise ProblemError(
                422,
                f"Ce créneau n'est pas réservable en ligne : au plus tôt "
                f"{agenda.min_notice_min} minutes et au plus tard {agenda.horizon_days} jours "
                f"à l'avance ({french_moment(slot.start, self.tz)} demandé).",
            )
        return slot

    async def _complete(self, ask: BookingRequest, doc: Document, slot: Slot) -> Booking:
        booking_id = doc["_id"]
        try:
            await self.claim(ask, booking_id, slot, now=doc["created_at"])
        except ProblemError as refusal:
            await claims.release(self.db, booking_id)
            await self._settle(booking_id, Status.REFUSED, refusal=_refusal(refusal))
            raise
        booking = Booking.from_doc(doc)
        try:
            await self._announce(booking, ask)
        except BrokerUnavailable:
            await claims.release(self.db, booking_id)
            await self.db[BOOKINGS].delete_one({"_id": booking_id, "status": Status.PENDING})
            raise
        if not await self._settle(booking_id, Status.CONFIRMED):
            raise ProblemError(503, RETRY, headers={"Retry-After": "5"})
        await claims.confirm(self.db, booking_id)
        return booking.model_copy(update={"status": Status.CONFIRMED})

    async def _settle(self, booking_id: str, status: Status, **fields: object) -> bool:
        """Move a pending booking to its outcome; False when a sweep rolled it back first."""
        result = await self.db[BOOKINGS].update_one(
            {"_id": booking_id, "status": Status.PENDING.value},
            {"$set": {"status": status.value, **fields}, "$unset": {"lease_until": ""}},
        )
        return result.matched_count == 1

    async def claim(
        self, ask: BookingRequest, booking_id: str, slot: Slot, *, now: datetime
    ) -> None:
        agenda, key = ask.agenda, contact_key(ask.contact)

        def doc(claim_id: str, kind: ClaimKind) -> Document:
            return claims.claim_doc(
                claim_id,
                kind=kind,
                booking_id=booking_id,
                agenda_id=agenda.agenda_id,
                start=slot.start,
                now=now,
            )

        presence = doc(claims.presence_id(agenda.agenda_id, slot.start, key), ClaimKind.PRESENCE)
        if not await claims.take(self.db, presence):
            raise ProblemError(
                409, "Vous avez déjà un rendez-vous sur ce créneau.", code="already_booked"
            )
        if ask.booked_by is BookedBy.CITIZEN:
            await self._claim_quota(agenda, key, booking_id, slot, now=now)
        places = [
            doc(claims.place_id(agenda.agenda_id, slot.start, n), ClaimKind.PLACE)
            for n in range(slot.capacity)
        ]
        if await claims.take_first(self.db, places) is None:
            raise ProblemError(409, FULL, code="slot_full")

    async def _claim_quota(
        self, agenda: Agenda, key: str, booking_id: str, slot: Slot, *, now: datetime
    ) -> None:
        quota = [
            claims.claim_doc(
                claims.quota_id(agenda.kind, key, k),
                kind=ClaimKind.QUOTA,
                booking_id=booking_id,
                agenda_id=agenda.agenda_id,
                start=slot.start,
                now=now,
            )
            for k in range(agenda.max_future_per_contact)
        ]
        # A quota claim of an appointment now past is free again.
        await claims.expire(self.db, [q["_id"] for q in quota], before=now)
        if await claims.take_first(self.db, quota) is None:
            raise ProblemError(
                409,
                f"Vous avez déjà {agenda.max_future_per_contact} rendez-vous à venir pour ce "
                "motif : annulez-en un pour en prendre un autre.",
                code="quota_reached",
            )

    async def _announce(self, booking: Booking, ask: BookingRequest) -> None:
        now = self.clock()
        event = AppointmentBooked(
            **event_details(booking),
            booked_by=booking.booked_by,
            actor=booking.actor,
            booked_at=booking.created_at,
        )
        event_id = f"{booking.booking_id}.v{booking.version}.booked"
        await self.announcer.appointment(
            event, event_id=event_id, correlation_id=ask.correlation_id
        )
        await self.announcer.on_request(
            booking,
            change=AppointmentChange.BOOKED,
            start=booking.start,
            actor=booking.actor,
            event_id=event_id,
            now=now,
            correlation_id=ask.correlation_id,
        )

    async def _replay(self, ask: BookingRequest, doc: Document, slot: Slot) -> tuple[Booking, bool]:
        """Answer a retried Idempotency-Key like the first time (waiting if in flight)."""
        deadline = self.clock() + self.lease
        while True:
            existing = await self.db[BOOKINGS].find_one({"_id": doc["_id"]})
            if existing is None:  # the first attempt met a broker outage: start afresh
                return await self.book(ask)
            status = Status(existing["status"])
            if status is Status.REFUSED:
                raise ProblemError(**existing["refusal"])
            if status is Status.ABANDONED:
                # A new attempt of the same booking: a new version, so new event ids.
                doc = doc | {"version": existing.get("version", 0) + 1}
                rearmed = await self.db[BOOKINGS].find_one_and_replace(
                    {"_id": doc["_id"], "status": Status.ABANDONED.value}, doc
                )
                if rearmed is not None:
                    return await self._complete(ask, doc, slot), False
                continue
            if status not in (Status.PENDING, Status.ABANDONING):
                return Booking.from_doc(existing), True
            if self.clock() > deadline:
                raise ProblemError(503, RETRY, headers={"Retry-After": "5"})
            await asyncio.sleep(0.05)


def _booking_id(ask: BookingRequest) -> str:
    if ask.idempotency_key is None:
        return uuid.uuid4().hex
    scope = (
        f"{ask.agenda.agenda_id}\x00{ask.booked_by.value}\x00{ask.actor}\x00{ask.idempotency_key}"
    )
    return hashlib.sha256(scope.encode()).hexdigest()[:32]


def _refusal(error: ProblemError) -> dict[str, object]:
    return {"status": error.status, "detail": error.detail, **error.extra}


def event_details(booking: Booking) -> dict[str, object]:
    return {
        "agenda_id": booking.agenda_id,
        "booking_id": booking.booking_id,
        "department": booking.department,
        "kind": booking.kind,
        "title": booking.title,
        "location": booking.location,
        "documents": booking.documents,
        "start": booking.start,
        "end": booking.end,
        "contact": booking.contact,
        "request_id": booking.request.request_id if booking.request else None,
        "reference": booking.request.reference if booking.request else None,
        "version": booking.version,
    }
