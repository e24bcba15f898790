"""The booking as an iCalendar (RFC 5545) file the citizen adds to their calendar."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event

from services.appointments.bookings import Booking, Status

PRODID = "-//Relais//Rendez-vous//FR"


def booking_ics(booking: Booking, *, tz: ZoneInfo, town: str, now: datetime | None = None) -> bytes:
    event = Event()
    event.add("uid", f"{booking.booking_id}@relais")
    event.add("dtstamp", (now or datetime.now(UTC)).astimezone(UTC))
    event.add("dtstart", booking.start.astimezone(tz))
    event.add("dtend", booking.end.astimezone(tz))
    event.add("sequence", booking.version)
    event.add("summary", f"{booking.title} – {town}")
    if booking.location:
        event.add("location", booking.location)
    event.add("description", _description(booking))
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
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _description(booking: Booking) -> str:
    lines = [f"Rendez-vous au nom de {booking.contact.name}."]
    if booking.documents:
        lines.append("À apporter : " + ", ".join(booking.documents) + ".")
    lines.append("Pour déplacer ou annuler : utilisez votre code de réservation.")
    return "\n".join(lines)
