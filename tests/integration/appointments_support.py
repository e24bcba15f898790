"""Shared set-up for the appointments tests: an agenda, a booker on the real store and Kafka."""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pymongo.asynchronous.database import AsyncDatabase

from services.appointments.agendas import AgendaInput, OpeningRange
from services.appointments.announce import Announcer, Publisher
from services.appointments.booker import Booker
from services.appointments.store import create_agenda, ensure_indexes
from shared.envelope import APPOINTMENT_CODEC, Envelope
from shared.events.appointments import AppointmentEvent
from shared.kafka.topics import APPOINTMENTS
from shared.mongo import Document
from tests.conftest import KAFKA
from tests.support import read_log

PARIS = ZoneInfo("Europe/Paris")
# Monday 1 February 2027, 09:00 in Paris: the tests' "now".
NOW = datetime(2027, 2, 1, 8, 0, tzinfo=UTC)
TUESDAY_9 = datetime(2027, 2, 2, 9, 0, tzinfo=PARIS)


def agenda_input(**fields: Any) -> AgendaInput:
    base: dict[str, Any] = {
        "agenda_id": "passeports",
        "department": "etat_civil",
        "kind": "passeport",
        "title": "Passeport et carte d'identité",
        "location": "Mairie, guichet 2",
        "documents": ["Photo d'identité", "Justificatif de domicile"],
        "duration_min": 30,
        "capacity": 10,
        "opening": [OpeningRange(weekday=d, start=time(9), end=time(12)) for d in range(5)],
        "horizon_days": 90,
        "min_notice_min": 60,
        "max_future_per_contact": 2,
    }
    return AgendaInput(**(base | fields))


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


async def make_booker(
    db: AsyncDatabase[Document], publisher: Publisher, prefix: str, clock: Clock, **kw: Any
) -> Booker:
    await ensure_indexes(db=db)
    return Booker(
        db=db,
        announcer=Announcer(publisher=publisher, topic=prefix + APPOINTMENTS),
        tz=PARIS,
        code_secret="test-secret-for-booking-codes",
        clock=clock,
        **kw,
    )


async def with_agenda(db: AsyncDatabase[Document], **fields: Any) -> AgendaInput:
    spec = agenda_input(**fields)
    assert await create_agenda(db, spec, now=NOW)
    return spec


async def appointment_events(prefix: str) -> list[Envelope[AppointmentEvent]]:
    return [APPOINTMENT_CODEC.decode(r) for r in await read_log(KAFKA, prefix + APPOINTMENTS)]
