"""French dates and times, as citizens and agents read them, in the town's time zone."""

from datetime import datetime
from zoneinfo import ZoneInfo

from services.appointments.agendas import WEEKDAYS

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def french_day(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    day = "1er" if local.day == 1 else str(local.day)
    return f"{WEEKDAYS[local.weekday()]} {day} {MONTHS[local.month - 1]} {local.year}"


def french_time(moment: datetime, tz: ZoneInfo) -> str:
    """E.g. « 09h30 »; in the repeated autumn hour, which of the two is named."""
    local = moment.astimezone(tz)
    text = local.strftime("%Hh%M")
    other = local.replace(fold=1 - local.fold)
    if other.utcoffset() != local.utcoffset():
        text += " (heure d'été)" if local.dst() else " (heure d'hiver)"
    return text


def french_moment(moment: datetime, tz: ZoneInfo) -> str:
    """E.g. « mardi 30 mars 2027 à 09h30 »."""
    return f"{french_day(moment, tz)} à {french_time(moment, tz)}"
