"""Booking on the real store and Kafka: no place is ever held twice."""

import asyncio
from collections import Counter
from datetime import datetime, timedelta

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from services.appointments import changes, claims, views
from services.appointments.booker import Booker, BookingRequest
from services.appointments.bookings import Booking, Status
from services.appointments.claims import ClaimKind
from services.appointments.contacts import ContactInput
from services.appointments.store import BOOKINGS, CLAIMS, get_agenda
from services.appointments.sweep import sweep_once
from shared.events.appointments import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentMoved,
    AppointmentNoShow,
    AppointmentReminderDue,
    BookedBy,
)
from shared.kafka.producer import EventPublisher
from shared.mongo import Document
from shared.problems import ProblemError
from tests.conftest import MONGODB_URI
from tests.integration.appointments_support import (
    PARIS,
    TUESDAY_9,
    Clock,
    appointment_events,
    make_booker,
    with_agenda,
)


def contact(n: int) -> ContactInput:
    return ContactInput(name=f"Habitant {n}", email=f"habitant{n}@example.org")


async def book(
    booker: Booker,
    n: int,
    *,
    start: datetime = TUESDAY_9,
    key: str | None = None,
    by: BookedBy = BookedBy.CITIZEN,
) -> Booking:
    agenda = await get_agenda(booker.db, "passeports")
    assert agenda is not None
    ask = BookingRequest(
        agenda=agenda,
        start=start,
        contact=contact(n),
        booked_by=by,
        actor="citoyen",
        idempotency_key=key,
    )
    booking, _ = await booker.book(ask)
    return booking


async def holding(db: AsyncDatabase[Document]) -> list[Document]:
    return await db[BOOKINGS].find({"status": Status.CONFIRMED.value}).to_list()


@pytest.mark.timeout(180)
async def test_200_racing_attempts_on_10_places_make_exactly_10_bookings(
    mongo_db: AsyncDatabase[Document], publisher: EventPublisher, topic_prefix: str
) -> None:
    await with_agenda(mongo_db, capacity=5)
    # Two "replicas": separate clients and bookers on the same database. Their pools are
    # bounded so 200 coroutines queue for connections rather than open 200 on a busy box.
    replicas = [AsyncMongoClient(MONGODB_URI, maxPoolSize=16, tz_aware=True) for _ in range(2)]
    bookers = [
        await make_booker(client[mongo_db.name], publisher, topic_prefix, Clock())
        for client in replicas
    ]
    slots = [TUESDAY_9, TUESDAY_9 + timedelta(minutes=30)]  # 2 slots x 5 places

    async def attempt(n: int) -> str:
        try:
            await book(bookers[n % 2], n, start=slots[n % 2])
        except ProblemError as refusal:
            return str(refusal.extra.get("code"))
        return "booked"

    outcomes = Counter(await asyncio.gather(*(attempt(n) for n in range(200))))
    for client in replicas:
        await client.close()
    assert outcomes == {"booked": 10, "slot_full": 190}
    confirmed = await holding(mongo_db)
    assert len(confirmed) == 10
    places = await mongo_db[CLAIMS].find({"kind": ClaimKind.PLACE.value}).to_list()
    assert len(places) == 10 and len({p["_id"] for p in places}) == 10
    assert {p["booking_id"] for p in places} == {b["_id"] for b in confirmed}
    booked = [
        e for e in await appointment_events(topic_prefix) if isinstance(e.data, AppointmentBooked)
    ]
    assert sorted(e.data.booking_id for e in booked) == sorted(b["_id"] for b in confirmed)


async def test_a_double_click_with_one_idempotency_key_books_once(
    mongo_db: AsyncDatabase[Document], publisher: EventPublisher, topic_prefix: str
) -> None:
    await with_agenda(mongo_db)
    booker = await make_booker(mongo_db, publisher, topic_prefix, Clock())
    first, second = await asyncio.gather(
        book(booker, 1, key="clic-1"), book(booker, 1, key="clic-1")
    )
    assert first.booking_id == second.booking_id
    assert len(await holding(mongo_db)) == 1
    # Without a key, the same person cannot hold the same slot twice either.
    with pytest.raises(ProblemError) as refused:
        await book(booker, 1)
    assert refused.value.status == 409 and "déjà un rendez-vous" in refused.value.detail


async def test_a_full_slot_answers_the_same_to_a_retry(
    mongo_db: AsyncDatabase[Document], publisher: EventPublisher, topic_prefix: str
) -> None:
    await with_agenda(mongo_db, capacity=1)
    booker = await make_booker(mongo_db, publisher, topic_prefix, Clock())
    await book(booker, 1)
    for _ in range(2):
        with pytest.raises(ProblemError) as full:
            await book(booker, 2, key="k2")
        assert full.value.status == 409 and full.value.extra["code"] == "slot_full"
        assert "Créneau complet" in full.value.detail


async def test_quota_of_future_bookings_per_contact(
    mongo_db: AsyncDatabase[Document], publisher: EventPublisher, topic_prefix: str
) -> None:
    await with_agenda(mongo_db, max_future_per_contact=2)
    clock = Clock()
    booker = await make_booker(mongo_db, publisher, topic_prefix, clock)
    first = await book(booker, 7)
    await book(booker, 7, start=TUESDAY_9 + timedelta(days=1))
    with pytest.raises(ProblemError) as quota:
        await book(booker, 7, start=TUESDAY_9 + timedelta(days=2))
    assert quota.value.extra["code"] == "quota_reached"
    # An agent at the desk is not bound by the citizen's online quota.
    await book(booker, 7, start=TUESDAY_9 + timedelta(days=2), by=BookedBy.AGENT)
    # Cancelling frees a quota place.
    await changes.cancel(booker, first, actor="citoyen", reason="Empêchement")
    await book(booker, 7, start=TUESDAY_9 + timedelta(days=3))


async def test_move_claims_the_new_place_before_releasing_the_old(
    mongo_db: AsyncDatabase[Document], publisher: EventPublisher, topic_prefix: str
) -> None:
    await with_agenda(mongo_db, capacity=1)
    booker = await make_booker(mongo_db, publisher, topic_prefix, Clock())
    mine = await book(booker, 1)
    theirs = await book(booker, 2, start=TUESDAY_9 + timedelta(minutes=30))
    with pytest.raises(ProblemError) as full:
        await changes.move(booker, mine, start=theirs.start, by=BookedBy.CITIZEN, actor="citoyen")
    assert full.value.extra["code"] == "slot_full"
    stored = Booking.from_doc(await mongo_db[BOOKINGS].find_one({"_id": mine.booking_id}) or {})
    assert stored.start == mine.start  # still there, nothing lost
    later = TUESDAY_9 + timedelta(hours=1)
    moved = await changes.move(booker, stored, start=later, by=BookedBy.CITIZEN, actor="citoyen")
    assert moved.start == later
    # The old place is free again: someone else takes it.
    await book(booker, 3)
    places = {c["_id"] async for c in mongo_db[CLAIMS].find({"booking_id": mine.booking_id})}
    assert places == {
        claims.place_id("passeports", later, 0),
        claims.presence_id("passeports", later, (await _key(mongo_db, mine))),
        *{p for p in places if p.startswith("quota:")},
    }
    events = await appointment_events(topic_prefix)
    assert any(
        isinstance(e.data, AppointmentMoved) and e.data.previous_start == mine.start for e in events
    )


async def _key(db: AsyncDatabase[Document], booking: Booking) -> str:
    doc = await db[BOOKINGS].find_one({"_id": booking.booking_id})
    assert doc is not None
    return str(doc["contact_key"])


async def test_a_booking_left_pending_by_a_crash_is_rolled_back_by_the_sweep(
    mongo_db: AsyncDatabase[Document], publisher: EventPublisher, topic_prefix: str
) -> None:
    await with_agenda(mongo_db, capacity=1)
    clock = Clock()
    booker = await make_booker(
        mongo_db, publisher, topic_prefix, clock, lease=timedelta(seconds=30)
    )
    crashed = await book(booker, 1)
    # Simulate a process killed between its claims and its confirmation.
    await mongo_db[BOOKINGS].update_one(
        {"_id": crashed.booking_id},
        {
            "$set": {
                "status": Status.PENDING.value,
                "lease_until": clock.now + timedelta(seconds=30),
            }
        },
    )
    await mongo_db[CLAIMS].update_many({}, {"$set": {"confirmed": False}})
    await sweep_once(booker, reminder_ahead=timedelta(hours=1))
    with pytest.raises(ProblemError):  # within its lease, the place stays held
        await book(booker, 2)
    clock.advance(timedelta(seconds=31))
    await sweep_once(booker, reminder_ahead=timedelta(hours=1))
    assert (await mongo_db[BOOKINGS].find_one({"_id": crashed.booking_id}) or {})[
        "status"
    ] == "abandoned"
    await book(booker, 2)
    events = await appointment_events(topic_prefix)
    assert any(
        isinstance(e.data, AppointmentCancelled) and e.data.booking_id == crashed.booking_id
        for e in events
    )


async def test_reminder_once_and_no_show_counted(
    mongo_db: AsyncDatabase[Document], publisher: EventPublisher, topic_prefix: str
) -> None:
    await with_agenda(mongo_db)
    clock = Clock()
    booker = await make_booker(mongo_db, publisher, topic_prefix, clock)
    booking = await book(booker, 1)
    clock.advance(timedelta(hours=12))
    await sweep_once(booker, reminder_ahead=timedelta(hours=24))
    await sweep_once(booker, reminder_ahead=timedelta(hours=24))
    with pytest.raises(ProblemError):
        await changes.mark(booker, booking, outcome=Status.NO_SHOW, actor="agent")
    clock.advance(timedelta(days=1))
    marked = await changes.mark(booker, booking, outcome=Status.NO_SHOW, actor="agent")
    await changes.mark(booker, marked, outcome=Status.NO_SHOW, actor="agent")  # counted once
    events = [e.data for e in await appointment_events(topic_prefix)]
    assert len([e for e in events if isinstance(e, AppointmentReminderDue)]) == 1
    no_shows = [e for e in events if isinstance(e, AppointmentNoShow)]
    assert no_shows and all(e.no_shows == 1 for e in no_shows)
    agenda = await get_agenda(mongo_db, "passeports")
    assert agenda is not None
    day = TUESDAY_9.date()
    stats = await views.agenda_stats(mongo_db, agenda, first=day, last=day, tz=PARIS)
    assert (stats.booked, stats.no_shows, stats.places_offered) == (1, 1, 6 * 10)
    assert stats.no_show_rate == 1.0 and stats.fill_rate == round(1 / 60, 4)
    assert stats.lead_time_hours_median == 24.0  # booked Monday 09:00 for Tuesday 09:00
