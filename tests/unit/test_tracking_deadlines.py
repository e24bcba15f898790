"""Deadline clocks in working days: weekends, French public holidays (1 May, Ascension,
14 July, 15 August), the town hall's closing time, and the pause while waiting for the citizen."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.tracking import clocks
from services.tracking.deadlines import Calendar
from shared.events import RequestStatus

PARIS = ZoneInfo("Europe/Paris")
CAL = Calendar(timezone="Europe/Paris", closing=time(17, 30))


def paris(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # Thursday 30 April: Friday 1 May is off, then the weekend -> Monday 4, Tuesday 5.
        (paris(date(2026, 4, 30)), 2, date(2026, 5, 5)),
        # Wednesday 13 May: Ascension Thursday 14 is off -> Friday 15, Monday 18.
        (paris(date(2026, 5, 13)), 2, date(2026, 5, 18)),
        # Monday 13 July: Tuesday 14 July is off -> Wednesday 15.
        (paris(date(2026, 7, 13)), 1, date(2026, 7, 15)),
        # Friday 14 August: 15 August is a Saturday anyway -> Monday 17.
        (paris(date(2026, 8, 14)), 1, date(2026, 8, 17)),
        # After closing time the day no longer counts: Friday 18:00 counts as Monday.
        (paris(date(2026, 3, 6), 18), 1, date(2026, 3, 10)),
        # A Saturday counts as the next Monday.
        (paris(date(2026, 3, 7)), 1, date(2026, 3, 10)),
        # The same working day before closing time.
        (paris(date(2026, 3, 9), 17, 29), 0, date(2026, 3, 9)),
    ],
)
def test_due_dates_skip_weekends_and_holidays(start: datetime, days: int, due: date) -> None:
    found = CAL.due(start, days)
    assert found == datetime.combine(due, time(17, 30), tzinfo=PARIS)


def test_working_days_between_counts_day_boundaries_only() -> None:
    assert CAL.working_days_between(paris(date(2026, 4, 30)), paris(date(2026, 5, 4))) == 1
    assert CAL.working_days_between(paris(date(2026, 5, 13)), paris(date(2026, 5, 18))) == 2
    assert CAL.working_days_between(paris(date(2026, 7, 13), 9), paris(date(2026, 7, 13), 16)) == 0


def test_waiting_for_the_citizen_pauses_the_resolution_clock() -> None:
    due = paris(date(2026, 5, 12), 17, 30)  # Tuesday 12 May
    waiting = RequestStatus.WAITING_CITIZEN.value
    state = {"status": "in_progress", "due_at": due}
    started = clocks.pause_changes(state, {"status": waiting}, paris(date(2026, 5, 7)), CAL)
    assert started == {"waiting_since": paris(date(2026, 5, 7))}
    paused = {**state, **started, "status": waiting}
    # Waiting from Thursday 7 May to Monday 11 May: Friday 8 May (Victory Day) is off, so
    # only Thursday -> Monday = 1 working day; the deadline moves from Tuesday 12 to
    # Wednesday 13 (Ascension is Thursday 14).
    ended = clocks.pause_changes(paused, {"status": "in_progress"}, paris(date(2026, 5, 11)), CAL)
    assert ended["waiting_since"] is None
    assert ended["pauses"] == [
        {"from": paris(date(2026, 5, 7)), "to": paris(date(2026, 5, 11)), "working_days": 1}
    ]
    assert ended["due_at"] == paris(date(2026, 5, 13), 17, 30)
    # While paused the clock is never overdue, even past the original due date.
    late = datetime(2026, 6, 1, tzinfo=UTC)
    assert clocks.resolution(paused, now=late).paused is True
    assert clocks.resolution(paused, now=late).overdue is False
    assert clocks.resolution({**state, **ended}, now=late).overdue is True


def test_a_pause_across_the_august_holiday_and_a_weekend() -> None:
    due = paris(date(2026, 8, 20), 17, 30)
    waiting = RequestStatus.WAITING_CITIZEN.value
    paused = {"status": waiting, "due_at": due, "waiting_since": paris(date(2026, 8, 13))}
    # Thursday 13 -> Monday 17 August: Friday 14 counts, 15 August is a Saturday: 2 days.
    ended = clocks.pause_changes(paused, {"status": "in_progress"}, paris(date(2026, 8, 17)), CAL)
    assert ended["pauses"][0]["working_days"] == 2
    assert ended["due_at"] == paris(date(2026, 8, 24), 17, 30)  # Thu 20 + 2 -> Mon 24


def test_first_response_clock() -> None:
    submitted = paris(date(2026, 4, 30), 9)  # due Tuesday 5 May (1 May, weekend)
    doc = {"submitted_at": submitted}
    open_clock = clocks.first_response(doc, now=paris(date(2026, 5, 6)), calendar=CAL)
    assert open_clock.due_at == paris(date(2026, 5, 5), 17, 30) and open_clock.overdue
    answered = {**doc, "first_response_at": paris(date(2026, 5, 4))}
    done = clocks.first_response(answered, now=paris(date(2026, 5, 6)), calendar=CAL)
    assert done.done_at == paris(date(2026, 5, 4)) and not done.overdue
    assert timedelta(0) < done.due_at - done.done_at  # type: ignore[operator]


def test_waiting_for_the_citizen_pauses_the_first_response_clock() -> None:
    submitted = paris(date(2026, 4, 30), 9)  # due Tuesday 5 May (1 May, weekend)
    waiting = RequestStatus.WAITING_CITIZEN.value
    paused = {
        "submitted_at": submitted,
        "status": waiting,
        "waiting_since": paris(date(2026, 5, 4)),
    }
    late = paris(date(2026, 5, 20))
    clock = clocks.first_response(paused, now=late, calendar=CAL)
    assert clock.paused and not clock.overdue  # never overdue while the citizen is awaited
    # Waited Monday 4 -> Wednesday 6 May: 2 working days, so Tuesday 5 -> Thursday 7 May.
    ended = clocks.pause_changes(paused, {"status": "in_progress"}, paris(date(2026, 5, 6)), CAL)
    resumed = {**paused, **ended, "status": "in_progress"}
    clock = clocks.first_response(resumed, now=paris(date(2026, 5, 7), 12), calendar=CAL)
    assert clock.due_at == paris(date(2026, 5, 7), 17, 30)
    assert not clock.paused and not clock.overdue
    assert clocks.first_response(resumed, now=paris(date(2026, 5, 8)), calendar=CAL).overdue
    # A wait after the first response no longer moves its deadline.
    answered = {**resumed, "first_response_at": paris(date(2026, 4, 30), 15)}
    clock = clocks.first_response(answered, now=late, calendar=CAL)
    assert clock.due_at == paris(date(2026, 5, 5), 17, 30) and not clock.overdue
