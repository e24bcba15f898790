"""The appointments service's hot queries are served by an index, as `explain` reports
(the real functions run against a seeded database; see test_query_plans for the method)."""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from services.appointments import claims, views
from services.appointments.agendas import Agenda
from services.appointments.announce import Announcer
from services.appointments.booker import Booker
from services.appointments.bookings import new_booking_doc
from services.appointments.codes import code_hash
from services.appointments.contacts import ContactInput
from services.appointments.store import BOOKINGS, CLAIMS, ensure_indexes
from services.appointments.sweep import abandon_stale, remind, settle_claims
from shared.events.appointments import BookedBy
from tests.conftest import MONGODB_URI
from tests.fakes import InMemoryPublisher
from tests.integration.appointments_support import NOW, PARIS, Clock, agenda_input
from tests.integration.test_query_plans import INDEX_STAGES, Recorder, Store, explain_all

Query = Callable[[AsyncDatabase[Any]], Awaitable[object]]


@pytest.fixture(scope="module")
async def store() -> AsyncIterator[Store]:
    recorder = Recorder()
    client: AsyncMongoClient[Any] = AsyncMongoClient(
        MONGODB_URI, event_listeners=[recorder], tz_aware=True
    )
    name = f"test_plans_appointments_{uuid.uuid4().hex[:10]}"
    db = client[name]
    await ensure_indexes(db=db)
    await seed(db)
    build = await client.admin.command("buildInfo")
    yield Store(db, recorder, "secantusVersion" in build)
    await client.drop_database(name)
    await client.close()


async def seed(db: AsyncDatabase[Any]) -> None:
    starts = [NOW + timedelta(minutes=30 * n) for n in range(100)]
    agenda = Agenda(**agenda_input().model_dump())
    contact = ContactInput(name="Camille", email="camille@example.org")

    def booking(n: int, start: datetime) -> dict[str, Any]:
        doc = new_booking_doc(
            booking_id=f"b{n}",
            agenda=agenda,
            start=start,
            end=start + timedelta(minutes=30),
            contact=contact,
            key=f"k{n}",
            code_hash=code_hash(f"code{n}"),
            booked_by=BookedBy.CITIZEN,
            actor="usager",
            request=None,
            now=NOW,
            lease_until=NOW,
        )
        return doc | {"status": ("confirmed", "pending", "cancelled")[n % 3]}

    await db[BOOKINGS].insert_many(booking(n, start) for n, start in enumerate(starts))
    await db[CLAIMS].insert_many(
        claims.claim_doc(
            claims.place_id("passeports", start, 0),
            kind=claims.ClaimKind.PLACE,
            booking_id=f"b{n}",
            agenda_id="passeports",
            start=start,
            now=NOW,
        )
        for n, start in enumerate(starts)
    )


def booker(db: AsyncDatabase[Any]) -> Booker:
    return Booker(
        db=db,
        announcer=Announcer(publisher=InMemoryPublisher(), topic="t"),
        tz=PARIS,
        code_secret="x" * 20,
        clock=Clock(NOW - timedelta(days=365)),  # nothing due: only the queries run
    )


HOT: dict[str, Query] = {
    "claims counted for free slots": lambda db: claims.places_taken(
        db, "passeports", first=NOW, last=NOW + timedelta(days=90)
    ),
    "claims held among candidates": lambda db: (
        db[CLAIMS]
        .find({"_id": {"$in": [claims.place_id("passeports", NOW, n) for n in range(3)]}})
        .to_list()
    ),
    "day list of an agenda": lambda db: views.bookings_between(
        db, "passeports", first=NOW, last=NOW + timedelta(days=7)
    ),
    "booking by code": lambda db: db[BOOKINGS].find_one({"code_hash": code_hash("code3")}),
    "sweep: pending past their lease": lambda db: abandon_stale(booker(db)),
    "sweep: claims in question": lambda db: settle_claims(booker(db)),
    "sweep: reminders due": lambda db: remind(booker(db), ahead=timedelta(days=400)),
}


@pytest.mark.parametrize("name", HOT)
async def test_each_hot_query_uses_an_index(store: Store, name: str) -> None:
    for stages in await explain_all(store, HOT[name]):
        assert "COLLSCAN" not in stages, f"{name}: {stages}"
        assert INDEX_STAGES & set(stages), f"{name}: {stages}"
