"""Dates as French readers expect them, in the town's time zone (pure)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip


def parse(value: str | datetime | date | None) -> datetime | date | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    return value


def french_date(value: str | datetime | date | None) -> str:
    moment = parse(value)
    if moment is None:
        return "—"
    if isinstance(moment, datetime):
        moment = moment.astimezone(PARIS).date()
    day = "1er" if moment.day == 1 else str(moment.day)
    return f"{day} {MONTHS[moment.month - 1]} {moment.year}"


def french_datetime(value: str | datetime | None) -> str:
    moment = parse(value)
    if not isinstance(moment, datetime):
        return french_date(moment)
    local = moment.astimezone(PARIS)
    return f"{french_date(local)} à {local.hour} h {local.minute:02d}"


def iso(value: str | datetime | None) -> str:
    moment = parse(value)
    return moment.isoformat() if moment is not None else ""
