"""Appointment notices and receipts through the outbox: once per event, opt-out link, the .ics
on email, SMS for a citizen who prefers it, retries by the sweeper, permanent failures kept."""

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

from icalendar import Calendar
from pymongo.asynchronous.database import AsyncDatabase

from services.notification.appointments import AppointmentNotices
from services.notification.direct import DirectNotices
from services.notification.preferences import OPTED_OUT_REASON, point_id
from services.notification.receipts import ReceiptNotices
from services.notification.settings import NotificationSettings
from shared.envelope import Envelope
from shared.events import (
    AppointmentBooked,
    AppointmentReminderDue,
    Citizen,
    ContactPreference,
    NotificationSent,
)
from shared.events.appointments import (
    AppointmentContact,
    AppointmentDetails,
    AppointmentEvent,
    BookedBy,
)
from shared.events.payments import InvoiceContact, PaymentSucceeded
from shared.mongo import Document
from tests.factories import envelope, submitted
from tests.notification_support import REFUSED, FakeMailer, ScriptedChannel, Wired, wired

START = datetime(2027, 3, 28, 7, 30, tzinfo=UTC)  # dimanche 28 mars 2027, 09h30 à Paris
EMAIL = AppointmentContact(name="Camille Martin", email="camille@example.org")


@dataclass
class Parts:
    w: Wired
    appointments: AppointmentNotices
    receipts: ReceiptNotices


def parts(mailer: FakeMailer, *, sms: ScriptedChannel | None = None, **settings: object) -> Parts:
    w = wired(mailer, extra=[sms] if sms else [], **settings)
    direct = DirectNotices(
        delivery=w.delivery, preferences=w.notifier.preferences, opt_out_url=w.notifier.opt_out_url
    )
    db = cast(AsyncDatabase[Document], w.db)
    town = NotificationSettings()  # the town's name and time zone
    return Parts(
        w=w,
        appointments=AppointmentNotices(
            db=db, notices=direct, contacts=w.notifier.contacts, settings=town
        ),
        receipts=ReceiptNotices(db=db, notices=direct, settings=town),
    )


def booked(**overrides: object) -> AppointmentBooked:
    fields: dict[str, object] = {
        "agenda_id": "passeports",
        "booking_id": "b1",
        "department": "etat_civil",
        "kind": "passeport",
        "title": "Passeport",
        "location": "Mairie, guichet 2",
        "documents": ["Photo d'identité", "Justificatif de domicile"],
        "start": START,
        "end": START + timedelta(minutes=30),
        "contact": EMAIL,
        "booked_by": BookedBy.CITIZEN,
        "actor": "usager",
        "booked_at": START - timedelta(days=5),
    }
    return AppointmentBooked.model_validate(fields | overrides)


def reminder(event: AppointmentDetails) -> AppointmentReminderDue:
    fields = event.model_dump(exclude={"booked_by", "actor", "booked_at"})
    return AppointmentReminderDue.model_validate(fields | {"due_at": START - timedelta(days=1)})


def appointment(event: AppointmentDetails, event_id: str) -> Envelope[AppointmentEvent]:
    return Envelope(data=event, source="/relais/appointments", id=event_id)


def paid(email: str = "camille@example.org") -> Envelope[PaymentSucceeded]:
    event = PaymentSucceeded(
        invoice_id="inv-1",
        payment_id="pay-1",
        provider="payfip",
        operation_id="op-1",
        authorisation="A12345",
        amount_cents=1250,
        reference="CANT-2026-11-0042",
        contact=InvoiceContact(name="Camille Martin", email=email),
        paid_at=START,
    )
    return Envelope(data=event, source="/relais/payments", id=f"pay:{email}")


async def test_the_confirmation_goes_once_with_the_ics_and_the_opt_out_link() -> None:
    mailer = FakeMailer()
    p = parts(mailer)
    await p.appointments.on_event(appointment(booked(), "b1.v0.booked"))
    await p.appointments.on_event(appointment(booked(), "b1.v0.booked"))  # redelivered

    (mail,) = mailer.sent
    assert str(mail["Subject"]).startswith("Votre rendez-vous est confirmé : Passeport")
    assert mail["List-Unsubscribe"].startswith("<http://127.0.0.1:8030/v1/preferences/")
    text = mail.get_body(("plain",))
    assert text is not None
    body = text.get_content()
    assert "dimanche 28 mars 2027 à 09h30" in body and "- Justificatif de domicile" in body
    assert "Ne plus recevoir de messages de la mairie : http" in body
    (ics,) = list(mail.iter_attachments())
    (event,) = Calendar.from_ical(ics.get_content()).walk("VEVENT")
    assert event["UID"] == "b1@relais" and event.decoded("DTSTART") == START
    (record,) = p.w.outbox()
    assert record["state"] == "sent" and record["published"]
    assert p.w.publisher.published == []  # no request: nothing for a timeline


async def test_a_linked_appointment_is_on_the_request_s_timeline() -> None:
    mailer = FakeMailer()
    p = parts(mailer)
    request = submitted()
    await p.w.harness.feed(envelope(request))
    linked = booked(request_id=request.request_id, reference=request.reference)
    await p.appointments.on_event(appointment(linked, "b1.v0.booked"))

    (outcome,) = p.w.publisher.of_type(NotificationSent)
    assert outcome.data.request_id == request.request_id
    assert outcome.data.template == "appointment_booked"
    assert mailer.sent[0]["X-Relais-Reference"] == request.reference


async def test_the_reminder_reaches_an_sms_preferring_citizen_by_sms() -> None:
    mailer, sms = FakeMailer(), ScriptedChannel()
    p = parts(mailer, sms=sms)
    citizen = Citizen(
        name="Yanis",
        email="yanis@example.org",
        phone="+33612345678",
        preferred_contact=ContactPreference.SMS,
    )
    request = submitted(citizen=citizen)
    await p.w.harness.feed(envelope(request))
    contact = AppointmentContact(name="Yanis", email="yanis@example.org", phone="+33612345678")
    linked = booked(contact=contact, request_id=request.request_id, reference=request.reference)
    await p.appointments.on_event(appointment(reminder(linked), "b1.v0.reminder"))
    phone_only = booked(
        booking_id="b2", contact=AppointmentContact(name="Léa", phone="+33698765432")
    )
    await p.appointments.on_event(appointment(reminder(phone_only), "b2.v0.reminder"))

    assert mailer.sent == []
    assert [to.address for _, to in sms.sent] == ["+33612345678", "+33698765432"]
    notice, _ = sms.sent[0]
    assert notice.template == "appointment_reminder" and notice.attachments == ()
    assert notice.context["when"] == "dimanche 28 mars 2027 à 09h30"


async def test_smtp_down_waits_for_the_sweeper_which_sends_once() -> None:
    mailer = FakeMailer(down=True)
    p = parts(mailer, send_backoff_s=0.01)
    await p.appointments.on_event(appointment(booked(), "b1.v0.booked"))
    await p.receipts.on_paid(paid())

    assert {r["state"] for r in p.w.outbox()} == {"waiting"}
    mailer.down = False
    await asyncio.sleep(0.03)
    assert await p.w.delivery.sweep() == 2  # both, though neither belongs to a request
    assert await p.w.delivery.sweep() == 0
    assert sorted(str(m["Subject"]) for m in mailer.sent)[0].startswith("Votre rendez-vous")
    assert len(mailer.sent) == 2
    (ics,) = [a for m in mailer.sent for a in m.iter_attachments()]  # kept in the outbox
    assert ics.get_content_type() == "text/calendar"
    assert {r["state"] for r in p.w.outbox()} == {"sent"}


async def test_retries_are_bounded() -> None:
    mailer = FakeMailer(down=True)
    p = parts(mailer, send_backoff_s=0.001, send_attempts=3)
    await p.receipts.on_paid(paid())
    for _ in range(5):
        await asyncio.sleep(0.01)
        await p.w.delivery.sweep()

    (record,) = p.w.outbox()
    assert record["state"] == "failed" and record["attempts"] == 3
    assert record["permanent"] is False and mailer.sent == []


async def test_a_refused_address_is_failed_for_good_and_not_tried_again() -> None:
    mailer = FakeMailer()
    p = parts(mailer)
    await p.receipts.on_paid(paid(REFUSED))
    second = paid(REFUSED)
    await p.receipts.on_paid(Envelope(data=second.data, source=second.source, id="again"))

    first, again = sorted(p.w.outbox(), key=lambda r: r["created_at"])
    assert first["state"] == "failed" and first["permanent"] is True
    assert "refusée" in first["reason"]
    assert again["state"] == "failed" and again["reason"].startswith("canal en échec définitif")
    assert mailer.sent == []


async def test_an_opted_out_address_gets_neither_receipt_nor_appointment() -> None:
    mailer = FakeMailer()
    p = parts(mailer)
    await p.w.notifier.preferences.opt_out_point(point_id("email", "Camille@example.org"))
    await p.receipts.on_paid(paid())
    await p.appointments.on_event(appointment(booked(), "b1.v0.booked"))

    assert mailer.sent == []
    assert {r["reason"] for r in p.w.outbox()} == {OPTED_OUT_REASON}
    assert all("address" not in r for r in p.w.outbox())  # nothing kept for nobody
