"""Opening templates become slots: holidays, exceptions and the two DST changes of 2027."""

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from services.appointments.agendas import (
    Agenda,
    AgendaInput,
    Closure,
    ClosureInput,
    ClosureKind,
    OpeningRange,
)
from services.appointments.french import french_moment
from services.appointments.slots import Slot, find_slot, open_slots, slot_key, within_window

PARIS = ZoneInfo("Europe/Paris")
SPRING = date(2027, 3, 28)  # last Sunday of March 2027: 02:00 -> 03:00
AUTUMN = date(2027, 10, 31)  # last Sunday of October 2027: 03:00 -> 02:00


def agenda(*openings: tuple[int, str, str], **fields: object) -> Agenda:
    base: dict[str, object] = {
        "agenda_id": "passeports",
        "department": "etat_civil",
        "kind": "passeport",
        "title": "Passeport et carte d'identité",
        "duration_min": 30,
        "capacity": 2,
        "opening": [
            OpeningRange(weekday=d, start=time.fromisoformat(s), end=time.fromisoformat(e))
            for d, s, e in openings
        ],
    }
    return Agenda(**(base | fields))


def local_times(slots: list[Slot], day: date) -> list[str]:
    return [s.start.astimezone(PARIS).strftime("%H:%M%z") for s in slots]


def test_a_morning_opening_is_cut_into_slots_of_the_duration() -> None:
    slots = open_slots(
        agenda((1, "09:00", "12:00")), first=date(2027, 2, 2), last=date(2027, 2, 2), tz=PARIS
    )
    assert [s.start.astimezone(PARIS).strftime("%H:%M") for s in slots] == [
        "09:00",
        "09:30",
        "10:00",
        "10:30",
        "11:00",
        "11:30",
    ]
    assert all(s.capacity == 2 and s.end - s.start == timedelta(minutes=30) for s in slots)
    # A remainder shorter than one slot is no slot.
    short = open_slots(
        agenda((1, "09:00", "09:50")), first=date(2027, 2, 2), last=date(2027, 2, 2), tz=PARIS
    )
    assert len(short) == 1


@pytest.mark.parametrize(("day", "offset"), [(SPRING, "+0200"), (AUTUMN, "+0100")])
def test_a_sunday_morning_on_a_dst_change_keeps_its_slots_at_local_time(
    day: date, offset: str
) -> None:
    slots = open_slots(agenda((6, "09:00", "12:00")), first=day, last=day, tz=PARIS)
    assert local_times(slots, day) == [
        f"{h}{offset}" for h in ("09:00", "09:30", "10:00", "10:30", "11:00", "11:30")
    ]


def test_the_spring_gap_loses_no_real_slot_and_invents_none() -> None:
    slots = open_slots(agenda((6, "01:00", "04:00")), first=SPRING, last=SPRING, tz=PARIS)
    # 01:00 CET to 04:00 CEST is two real hours: four 30-minute slots, none in the gap.
    assert local_times(slots, SPRING) == ["01:00+0100", "01:30+0100", "03:00+0200", "03:30+0200"]
    assert slots[-1].end - slots[0].start == timedelta(hours=2)


def test_the_repeated_autumn_hour_gives_distinct_slots_never_the_same_twice() -> None:
    slots = open_slots(agenda((6, "01:00", "04:00")), first=AUTUMN, last=AUTUMN, tz=PARIS)
    assert local_times(slots, AUTUMN) == [
        "01:00+0200",
        "01:30+0200",
        "02:00+0200",
        "02:30+0200",
        "02:00+0100",
        "02:30+0100",
        "03:00+0100",
        "03:30+0100",
    ]
    keys = [s.key for s in slots]
    assert len(set(keys)) == len(keys) == 8
    assert all(b.start == a.end for a, b in pairwise(slots))


def test_a_week_across_the_spring_change_has_the_same_slots_every_day() -> None:
    every_day = agenda(*[(d, "14:00", "16:00") for d in range(7)], closed_on_public_holidays=False)
    slots = open_slots(every_day, first=date(2027, 3, 25), last=date(2027, 3, 31), tz=PARIS)
    assert len(slots) == 7 * 4
    assert {s.start.astimezone(PARIS).strftime("%H:%M") for s in slots} == {
        "14:00",
        "14:30",
        "15:00",
        "15:30",
    }
    utc_hours = {
        s.start.date(): s.start.hour for s in slots if s.start.astimezone(PARIS).hour == 14
    }
    assert utc_hours[date(2027, 3, 27)] == 13 and utc_hours[date(2027, 3, 28)] == 12


def test_public_holidays_of_2027_are_closed_unless_the_agenda_says_otherwise() -> None:
    weekdays = agenda(*[(d, "09:00", "10:00") for d in range(5)])
    # Easter Monday 29 March (the day after the spring change), Ascension 6 May, 11 November.
    for holiday in (date(2027, 3, 29), date(2027, 5, 6), date(2027, 11, 11), date(2027, 7, 14)):
        assert open_slots(weekdays, first=holiday, last=holiday, tz=PARIS) == []
    week = open_slots(weekdays, first=date(2027, 3, 29), last=date(2027, 4, 2), tz=PARIS)
    assert len(week) == 4 * 2  # Tuesday to Friday
    always = agenda(*[(d, "09:00", "10:00") for d in range(5)], closed_on_public_holidays=False)
    assert len(open_slots(always, first=date(2027, 3, 29), last=date(2027, 3, 29), tz=PARIS)) == 2


def closure(kind: ClosureKind, start: str, end: str, places: int = 1) -> Closure:
    return Closure(
        closure_id="c1",
        actor="agent",
        kind=kind,
        start=datetime.fromisoformat(start),
        end=datetime.fromisoformat(end),
        places=places,
        reason="Formation",
    )


def test_a_closure_removes_its_slots_and_an_absence_one_place() -> None:
    tuesday = date(2027, 2, 2)
    base = agenda((1, "09:00", "12:00"))
    closed = base.model_copy(
        update={
            "closures": [
                closure(ClosureKind.CLOSURE, "2027-02-02T10:00+01:00", "2027-02-02T11:00+01:00")
            ]
        }
    )
    starts = [
        s.start.astimezone(PARIS).strftime("%H:%M")
        for s in open_slots(closed, first=tuesday, last=tuesday, tz=PARIS)
    ]
    assert starts == ["09:00", "09:30", "11:00", "11:30"]
    away = base.model_copy(
        update={
            "closures": [
                closure(ClosureKind.ABSENCE, "2027-02-02T09:00+01:00", "2027-02-02T10:15+01:00")
            ]
        }
    )
    capacities = [s.capacity for s in open_slots(away, first=tuesday, last=tuesday, tz=PARIS)]
    assert capacities == [1, 1, 1, 2, 2, 2]
    everyone_away = base.model_copy(
        update={
            "closures": [
                closure(ClosureKind.ABSENCE, "2027-02-02T09:00+01:00", "2027-02-02T12:00+01:00", 2)
            ]
        }
    )
    assert open_slots(everyone_away, first=tuesday, last=tuesday, tz=PARIS) == []


def test_find_slot_accepts_only_a_start_the_template_opens() -> None:
    base = agenda((6, "09:00", "12:00"))
    start = datetime(2027, 10, 31, 9, 30, tzinfo=PARIS)
    found = find_slot(base, start, tz=PARIS)
    assert found is not None and found.start == start.astimezone(UTC)
    assert slot_key(start) == "2027-10-31T08:30Z"
    assert find_slot(base, start + timedelta(minutes=10), tz=PARIS) is None
    assert find_slot(base, datetime(2027, 11, 1, 9, 30, tzinfo=PARIS), tz=PARIS) is None


def test_horizon_and_minimum_notice_bound_what_a_citizen_may_book() -> None:
    base = agenda((1, "09:00", "12:00"), horizon_days=30, min_notice_min=120)
    now = datetime(2027, 2, 1, 8, 0, tzinfo=UTC)
    assert not within_window(base, now + timedelta(minutes=90), now=now)
    assert within_window(base, now + timedelta(hours=2), now=now)
    assert within_window(base, now + timedelta(days=30), now=now)
    assert not within_window(base, now + timedelta(days=30, minutes=1), now=now)


def test_french_wording_uses_local_time() -> None:
    assert (
        french_moment(datetime(2027, 3, 28, 7, 30, tzinfo=UTC), PARIS)
        == "dimanche 28 mars 2027 à 09h30"
    )
    assert (
        french_moment(datetime(2027, 11, 1, 8, 0, tzinfo=UTC), PARIS)
        == "lundi 1er novembre 2027 à 09h00"
    )


def test_invalid_agendas_and_exceptions_are_refused_in_french() -> None:
    with pytest.raises(ValidationError, match="doit suivre son début"):
        OpeningRange(weekday=1, start=time(12), end=time(9))
    with pytest.raises(ValidationError, match="fuseau"):
        ClosureInput(start=datetime(2027, 1, 1), end=datetime(2027, 1, 2, tzinfo=UTC), reason="x")
    with pytest.raises(ValidationError):
        AgendaInput(
            agenda_id="Bad Id",
            department="x",
            kind="k",
            title="t",
            duration_min=30,
            capacity=1,
            opening=[],
        )
