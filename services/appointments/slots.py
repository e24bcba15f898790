"""Slot generation from an agenda's weekly template, in the town's time zone.

Openings are written in local wall-clock time; each one is converted to an instant (UTC)
first and then cut into slots of the agenda's duration in real elapsed time. So a slot is
one instant, named by its UTC time: on the last Sunday of March the hour that does not exist
is simply not there (a 01:00-04:00 opening lasts two real hours), on the last Sunday of
October the repeated hour yields distinct instants (02:00+02:00 then 02:00+01:00), never the
same slot twice. Ordinary openings (09:00-12:00) give the same slots on those days as on any
other, at the right local time.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

from services.appointments.agendas import Agenda, Closure, ClosureKind


@dataclass(frozen=True)
class Slot:
    start: datetime  # UTC
    end: datetime  # UTC
    capacity: int

    @property
    def key(self) -> str:
        return slot_key(self.start)


def slot_key(start: datetime) -> str:
    """The slot's stable name: its UTC start, to the minute."""
    return start.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


@cache
def public_holidays(year: int) -> dict[date, str]:
    return dict(holidays.country_holidays("FR", years=year, language="fr"))


def holiday_name(day: date) -> str | None:
    return public_holidays(day.year).get(day)


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of a local wall-clock time (a time in the spring gap counts as the
    moment the clocks jump to; a repeated autumn time as its first occurrence)."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def days(first: date, last: date) -> Iterator[date]:
    current = first
    while current <= last:
        yield current
        current += timedelta(days=1)


def template_slots(agenda: Agenda, *, first: date, last: date, tz: ZoneInfo) -> Iterator[Slot]:
    """Every slot the weekly template opens between two local dates (inclusive),
    before exceptions."""
    step = timedelta(minutes=agenda.duration_min)
    for day in days(first, last):
        if agenda.closed_on_public_holidays and holiday_name(day):
            continue
        for opening in sorted(agenda.opening, key=lambda o: o.start):
            if opening.weekday != day.weekday():
                continue
            start = local_instant(day, opening.start, tz)
            end = local_instant(day, opening.end, tz)
            while start + step <= end:
                yield Slot(start=start, end=start + step, capacity=agenda.capacity)
                start += step


def _overlaps(closure: Closure, slot: Slot) -> bool:
    return closure.start < slot.end and slot.start < closure.end


def apply_closures(slot: Slot, closures: list[Closure]) -> Slot | None:
    """The slot as exceptions leave it: None when closed or no place remains."""
    capacity = slot.capacity
    for closure in closures:
        if not _overlaps(closure, slot):
            continue
        if closure.kind is ClosureKind.CLOSURE:
            return None
        capacity -= closure.places
    if capacity <= 0:
        return None
    return Slot(start=slot.start, end=slot.end, capacity=capacity)


def open_slots(agenda: Agenda, *, first: date, last: date, tz: ZoneInfo) -> list[Slot]:
    """The slots of an agenda between two local dates, exceptions applied."""
    found = (
        apply_closures(s, agenda.closures)
        for s in template_slots(agenda, first=first, last=last, tz=tz)
    )
    return [slot for slot in found if slot is not None]


def find_slot(agenda: Agenda, start: datetime, *, tz: ZoneInfo) -> Slot | None:
    """The open slot starting at `start`, if the agenda has one."""
    day = start.astimezone(tz).date()
    wanted = start.astimezone(UTC)
    for slot in open_slots(agenda, first=day, last=day, tz=tz):
        if slot.start == wanted:
            return slot
    return None


def bookable_window(agenda: Agenda, *, now: datetime) -> tuple[datetime, datetime]:
    """The earliest and latest start a citizen may book now."""
    earliest = now + timedelta(minutes=agenda.min_notice_min)
    return earliest, now + timedelta(days=agenda.horizon_days)


def within_window(agenda: Agenda, start: datetime, *, now: datetime) -> bool:
    earliest, latest = bookable_window(agenda, now=now)
    return earliest <= start <= latest
