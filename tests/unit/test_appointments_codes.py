"""Booking codes, contacts and the .ics file: pure parts of the appointments service."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from pydantic import ValidationError

from services.appointments.bookings import Booking, Status
from services.appointments.codes import booking_code, code_hash
from services.appointments.contacts import ContactInput, contact_key
from services.appointments.ics import booking_ics
from shared.events.appointments import AppointmentContact, BookedBy

PARIS = ZoneInfo("Europe/Paris")


def test_a_booking_code_is_stable_secret_dependent_and_forgiving_when_typed() -> None:
    code = booking_code("b1", secret="s" * 20)
    assert code == booking_code("b1", secret="s" * 20)
    assert code != booking_code("b2", secret="s" * 20)
    assert code != booking_code("b1", secret="t" * 20)
    assert len(code) == 17 and code.count("-") == 2
    assert code_hash(code.lower().replace("-", " ")) == code_hash(code)


def test_one_person_has_one_key_whatever_the_case_and_the_phone_is_normalized() -> None:
    upper = ContactInput(name="Camille", email="Camille.Martin@Example.org")
    lower = ContactInput(name="C. Martin", email="camille.martin@example.org")
    assert contact_key(upper) == contact_key(lower)
    phone = ContactInput(name="Yanis", phone="06 12 34 56 78")
    assert phone.phone == "+33612345678"
    assert contact_key(phone) != contact_key(lower)
    with pytest.raises(ValidationError, match="adresse électronique ou un numéro"):
        ContactInput(name="Personne")
    with pytest.raises(ValidationError, match="Numéro de téléphone invalide"):
        ContactInput(name="Yanis", phone="12")


def booking(status: Status = Status.CONFIRMED) -> Booking:
    start = datetime(2027, 10, 31, 1, 30, tzinfo=UTC)  # 02:30 CET, the repeated hour
    return Booking(
        booking_id="b1",
        agenda_id="passeports",
        department="etat_civil",
        kind="passeport",
        title="Passeport",
        location="Mairie",
        documents=["Photo d'identité"],
        start=start,
        end=start + timedelta(minutes=30),
        status=status,
        contact=AppointmentContact(name="Camille Martin", email="camille@example.org"),
        contact_key="k",
        booked_by=BookedBy.CITIZEN,
        actor="usager",
        created_at=start - timedelta(days=2),
        version=2,
    )


def test_the_ics_names_the_right_instant_even_in_the_repeated_autumn_hour() -> None:
    calendar = Calendar.from_ical(booking_ics(booking(), tz=PARIS, town="Ville-Exemple"))
    (event,) = calendar.walk("VEVENT")
    start = event.decoded("DTSTART")
    # The second 02:30 of that night: unambiguous only as a UTC instant.
    assert start == datetime(2027, 10, 31, 1, 30, tzinfo=UTC)
    assert start.astimezone(PARIS).utcoffset() == timedelta(hours=1)
    assert event.decoded("DTEND") - start == timedelta(minutes=30)
    assert event["SEQUENCE"] == 2 and str(event["STATUS"]) == "CONFIRMED"
    description = str(event["DESCRIPTION"])
    assert (
        "dimanche 31 octobre 2027 à 02h30 (heure d'hiver)" in description
        and "Photo d'identité" in description
    )
    assert calendar.walk("VALARM")


def test_a_cancelled_booking_gives_a_cancelling_ics() -> None:
    calendar = Calendar.from_ical(booking_ics(booking(Status.CANCELLED), tz=PARIS, town="V"))
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(calendar.walk("VEVENT")[0]["STATUS"]) == "CANCELLED"
