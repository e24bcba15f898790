"""Quiet hours for SMS: nights, Sundays, French public holidays, daylight saving."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from services.notification.channels.quiet_hours import QuietHours

PARIS = ZoneInfo("Europe/Paris")
RULES = QuietHours()  # 20:00-08:00 Europe/Paris, no Sundays, no public holidays


def paris(year: int, month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=PARIS)


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Wednesday 2 December 2026 (winter time, UTC+1)
        (paris(2026, 12, 2, 8, 0), None),
        (paris(2026, 12, 2, 19, 59, 59), None),
        (paris(2026, 12, 2, 20, 0), utc(2026, 12, 3, 7, 0)),
        (paris(2026, 12, 2, 23, 30), utc(2026, 12, 3, 7, 0)),
        (paris(2026, 12, 3, 0, 0), utc(2026, 12, 3, 7, 0)),
        (paris(2026, 12, 3, 7, 59, 59), utc(2026, 12, 3, 7, 0)),
        # Saturday evening: Sunday is closed, Monday 08:00
        (paris(2026, 12, 5, 21, 0), utc(2026, 12, 7, 7, 0)),
        (paris(2026, 12, 6, 12, 0), utc(2026, 12, 7, 7, 0)),
        # Christmas (Friday) is a public holiday: Saturday 26 at 08:00
        (paris(2026, 12, 24, 20, 30), utc(2026, 12, 26, 7, 0)),
        (paris(2026, 12, 25, 10, 0), utc(2026, 12, 26, 7, 0)),
        # Clocks go forward on Sunday 29 March 2026: Monday 08:00 is 06:00 UTC
        (paris(2026, 3, 28, 21, 0), utc(2026, 3, 30, 6, 0)),
        # Clocks go back on Sunday 25 October 2026: Monday 08:00 is 07:00 UTC
        (paris(2026, 10, 24, 22, 0), utc(2026, 10, 26, 7, 0)),
        (utc(2026, 10, 24, 17, 59), None),  # 19:59 summer time
        (utc(2026, 10, 24, 18, 0), utc(2026, 10, 26, 7, 0)),  # 20:00 summer time
        # Easter Sunday 5 April then Easter Monday 6 April 2026: Tuesday 08:00 summer time
        (paris(2026, 4, 4, 20, 0), utc(2026, 4, 7, 6, 0)),
        # Labour Day, Friday 1 May 2026
        (paris(2026, 4, 30, 23, 0), utc(2026, 5, 2, 6, 0)),
    ],
)
def test_next_allowed(now: datetime, expected: datetime | None) -> None:
    assert RULES.next_allowed(now) == expected


def test_answer_is_in_utc() -> None:
    retry_at = RULES.next_allowed(paris(2026, 12, 2, 22, 0))
    assert retry_at is not None and retry_at.tzinfo is UTC


def test_no_night_rule_when_start_equals_end() -> None:
    rules = QuietHours(start=time(0, 0), end=time(0, 0))
    assert rules.next_allowed(paris(2026, 12, 2, 23, 0)) is None
    assert rules.next_allowed(paris(2026, 12, 6, 12, 0)) == utc(2026, 12, 6, 23, 0)


def test_quiet_window_within_a_day() -> None:
    rules = QuietHours(start=time(12, 0), end=time(14, 0), weekdays=frozenset())
    assert rules.next_allowed(paris(2026, 12, 2, 11, 59)) is None
    assert rules.next_allowed(paris(2026, 12, 2, 13, 0)) == utc(2026, 12, 2, 13, 0)
    assert rules.next_allowed(paris(2026, 12, 2, 14, 0)) is None


def test_sundays_and_holidays_can_be_allowed() -> None:
    rules = QuietHours(weekdays=frozenset(), public_holidays=False)
    assert rules.next_allowed(paris(2026, 12, 6, 12, 0)) is None
    assert rules.next_allowed(paris(2026, 12, 25, 12, 0)) is None
    assert rules.next_allowed(paris(2026, 12, 5, 21, 0)) == utc(2026, 12, 6, 7, 0)


def test_closed_saturdays_too() -> None:
    rules = QuietHours(weekdays=frozenset({6, 7}))
    assert rules.next_allowed(paris(2026, 12, 4, 20, 0)) == utc(2026, 12, 7, 7, 0)
