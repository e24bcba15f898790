"""The booking as an iCalendar (RFC 5545) file the citizen adds to their calendar.

Start and end are written in UTC: a local time with a TZID is ambiguous in the repeated
autumn hour (RFC 5545 reads it as the first occurrence), a UTC time never is, and calendar
applications show it in the reader's local time. The French wording in Paris time is in the
description.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event

from services.appointments.bookings import Booking, Status
from services.appointments.french import french_moment

PRODID = "-//Relais//Rendez-vous//FR"


def booking_ics(booking: Booking, *, tz: ZoneInfo, town: str, now: datetime | None = None) -> bytes:
    event = Event()
    event.add("uid", f"{booking.booking_id}@relais")
    event.add("dtstamp", (now or datetime.now(UTC)).astimezone(UTC))
    event.add("dtstart", booking.start.astimezone(UTC))
    event.add("dtend", booking.end.astimezone(UTC))
    event.add("sequence", booking.version)
    event.add("summary", f"{booking.title} – {town}")
    if booking.location:
        event.add("location", booking.location)
    event.add("description", _description(booking, tz))
    cancelled = booking.status is Status.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if not cancelled:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"Rendez-vous demain : {booking.title}")
        alarm.add("trigger", timedelta(days=-1))
        event.add_component(alarm)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    calendar.add_component(event)
    return calendar.to_ical()


def _description(booking: Booking, tz: ZoneInfo) -> str:
    when = french_moment(booking.start, tz)
    lines = [f"Rendez-vous le {when} au nom de {booking.contact.name}."]
    if booking.documents:
        lines.append("À apporter : " + ", ".join(booking.documents) + ".")
    lines.append("Pour déplacer ou annuler : utilisez votre code de réservation.")
    return "\n".join(lines)
