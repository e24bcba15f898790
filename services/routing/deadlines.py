"""Due dates in working days: weekends and French public holidays do not count."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays


def add_working_days(start: date, days: int) -> date:
    french_holidays = holidays.country_holidays("FR", years=range(start.year, start.year + 3))
    current, remaining = start, days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in french_holidays:
            remaining -= 1
    return current


def due_at(*, received_at: datetime, working_days: int, timezone: str, closing: time) -> datetime:
    """End of the town hall's day, `working_days` working days after reception."""
    local = received_at.astimezone(ZoneInfo(timezone))
    due_day = add_working_days(local.date(), working_days)
    return datetime.combine(due_day, closing, tzinfo=ZoneInfo(timezone))
