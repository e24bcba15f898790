"""The booking as an iCalendar file the citizen adds to their calendar (see shared/ics.py)."""

from zoneinfo import ZoneInfo

from services.appointments.bookings import Booking, Status
from services.appointments.french import french_moment
from shared.ics import appointment_ics


def booking_ics(booking: Booking, *, tz: ZoneInfo, town: str) -> bytes:
    return appointment_ics(
        uid=f"{booking.booking_id}@relais",
        sequence=booking.version,
        summary=f"{booking.title} – {town}",
        location=booking.location,
        description=description(
            when=french_moment(booking.start, tz),
            name=booking.contact.name,
            documents=booking.documents,
        ),
        start=booking.start,
        end=booking.end,
        cancelled=booking.status is Status.CANCELLED,
    )


def description(*, when: str, name: str, documents: list[str]) -> str:
    lines = [f"Rendez-vous le {when} au nom de {name}."]
    if documents:
        lines.append("À apporter : " + ", ".join(documents) + ".")
    lines.append("Pour déplacer ou annuler : utilisez votre code de réservation.")
    return "\n".join(lines)
