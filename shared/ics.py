"""An appointment as an iCalendar (RFC 5545) file, for the booking service and notification.

Start and end are written in UTC: a local time with a TZID is ambiguous in the repeated
autumn hour (RFC 5545 reads it as the first occurrence), a UTC time never is, and calendar
applications show it in the reader's local time.
"""

from datetime import UTC, datetime, timedelta

from icalendar import Alarm, Calendar, Event

PRODID = "-//Relais//Rendez-vous//FR"


def appointment_ics(
    *,
    uid: str,
    sequence: int,
    summary: str,
    location: str | None,
    description: str,
    start: datetime,
    end: datetime,
    cancelled: bool = False,
    now: datetime | None = None,
) -> bytes:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", (now or datetime.now(UTC)).astimezone(UTC))
    event.add("dtstart", start.astimezone(UTC))
    event.add("dtend", end.astimezone(UTC))
    event.add("sequence", sequence)
    event.add("summary", summary)
    if location:
        event.add("location", location)
    event.add("description", description)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if not cancelled:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"Rendez-vous demain : {summary}")
        alarm.add("trigger", timedelta(days=-1))
        event.add_component(alarm)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    calendar.add_component(event)
    return calendar.to_ical()
