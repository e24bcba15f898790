"""Deadlines in working days: weekends and French public holidays do not count, and a
deadline ends at the town hall's closing time (pure)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

import holidays


@dataclass(frozen=True)
class Calendar:
    timezone: str = "Europe/Paris"
    closing: time = time(17, 30)

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def _holidays(self) -> holidays.HolidayBase:
        return holidays.country_holidays("FR")

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._holidays

    def add_working_days(self, start: date, days: int) -> date:
        current, remaining = start, days
        while remaining > 0:
            current += timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_day_of(self, moment: datetime) -> date:
        """The working day a moment counts for: after closing time or on a day off, the next."""
        local = moment.astimezone(self.zone)
        day = local.date()
        if local.time() >= self.closing or not self.is_working_day(day):
            day = self.add_working_days(day, 1)
        return day

    def due(self, start: datetime, working_days: int) -> datetime:
        """Closing time, `working_days` working days after the day `start` counts for."""
        day = self.add_working_days(self.working_day_of(start), working_days)
        return datetime.combine(day, self.closing, tzinfo=self.zone)

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Whole working days from `start`'s working day to `end`'s (0 on the same day)."""
        first, last = self.working_day_of(start), self.working_day_of(end)
        count, day = 0, first
        while day < last:
            day = self.add_working_days(day, 1)
            count += 1
        return count

    def shift(self, due: datetime, working_days: int) -> datetime:
        """`due` moved `working_days` working days later (a pause), still at closing time."""
        if working_days <= 0:
            return due
        day = self.add_working_days(due.astimezone(self.zone).date(), working_days)
        return datetime.combine(day, self.closing, tzinfo=self.zone)


def calendar_for(*, timezone: str, closing_time: str) -> Calendar:
    return Calendar(timezone=timezone, closing=time.fromisoformat(closing_time))
