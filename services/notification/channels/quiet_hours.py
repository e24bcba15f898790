"""When an SMS may not be sent: at night, on closed weekdays and French public holidays (pure).

Times are the town's wall-clock times, so the rule follows daylight saving: 08:00 is 07:00 UTC
in winter and 06:00 UTC in summer.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

import holidays

LOOKAHEAD_DAYS = 30


@dataclass(frozen=True)
class QuietHours:
    """No SMS from `start` to `end` (wrapping midnight when start > end; none when equal),
    nor on `weekdays` (ISO numbers, 7 = Sunday), nor on French public holidays."""

    start: time = time(20, 0)
    end: time = time(8, 0)
    timezone: str = "Europe/Paris"
    weekdays: frozenset[int] = field(default_factory=lambda: frozenset({7}))
    public_holidays: bool = True

    @cached_property
    def _zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def _holidays(self) -> holidays.HolidayBase:
        return holidays.country_holidays("FR")

    def closed_day(self, day: date) -> bool:
        return day.isoweekday() in self.weekdays or (self.public_holidays and day in self._holidays)

    def quiet_time(self, moment: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    def allows(self, now: datetime) -> bool:
        local = now.astimezone(self._zone)
        return not self.closed_day(local.date()) and not self.quiet_time(local.time())

    def next_allowed(self, now: datetime) -> datetime | None:
        """None when an SMS may go now; otherwise the first moment it may (in UTC)."""
        if self.allows(now):
            return None
        local = now.astimezone(self._zone)
        for offset in range(LOOKAHEAD_DAYS + 1):
            day = local.date() + timedelta(days=offset)
            if self.closed_day(day):
                continue
            for opening in self._openings():
                candidate = datetime.combine(day, opening, tzinfo=self._zone)
                if candidate > local and self.allows(candidate):
                    return candidate.astimezone(UTC)
        raise ValueError(f"no time allowed for SMS within {LOOKAHEAD_DAYS} days")

    def _openings(self) -> list[time]:
        """The wall-clock times at which sending becomes allowed within a day."""
        if self.start == self.end:
            return [time(0, 0)]
        return [time(0, 0), self.end] if self.start < self.end else [self.end]
