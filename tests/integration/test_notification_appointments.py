"""Notification sends the appointment confirmation and reminder with the .ics, once per event,
through the outbox, the real broker and store to a real SMTP server; a phone-only contact gets
an SMS (the development gateway's sink)."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, time, timedelta
from email.message import EmailMessage

import pytest
from icalendar import Calendar

from services.notification.app import build_app
from services.notification.channels.sms_sink import SINK as SMS_SINK
from services.notification.settings import NotificationSettings
from shared.envelope import Envelope, encode
from shared.events import AppointmentBooked, AppointmentReminderDue
from shared.events.appointments import AppointmentContact, AppointmentEvent, BookedBy
from shared.kafka.producer import EventPublisher
from shared.kafka.topics import APPOINTMENTS
from shared.mongo import connect
from tests.conftest import KAFKA, MONGODB_URI
from tests.integration.test_notification_delivery import DOMAIN, Inbox
from tests.support import free_port, serve_app

Publish = Callable[[AppointmentEvent, str], Awaitable[None]]
NO_QUIET_HOURS: dict[str, object] = {
    "sms_quiet_start": time(0, 0),
    "sms_quiet_end": time(0, 0),
    "sms_quiet_weekdays": [],
    "sms_quiet_holidays": False,
}
START = datetime(2027, 3, 28, 7, 30, tzinfo=UTC)  # Sunday 28 March 2027, 09h30 in Paris


def details(**overrides: object) -> dict[str, object]:
    return {
        "agenda_id": "passeports",
        "booking_id": "b1",
        "department": "etat_civil",
        "kind": "passeport",
        "title": "Passeport",
        "location": "Mairie, guichet 2",
        "documents": ["Photo d'identité"],
        "start": START,
        "end": START + timedelta(minutes=30),
        "contact": AppointmentContact(name="Camille Martin", email="camille@example.org"),
        "version": 0,
    } | overrides


@pytest.fixture
async def inbox() -> AsyncIterator[Inbox]:
    box = Inbox(port=free_port())
    await box.start()
    yield box
    await box.stop()


@pytest.fixture
def database() -> str:
    return f"test_notification_{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def send(
    topic_prefix: str, publisher: EventPublisher, inbox: Inbox, database: str
) -> AsyncIterator[Publish]:
    settings = NotificationSettings(
        **NO_QUIET_HOURS,  # type: ignore[arg-type]
        kafka_bootstrap_servers=KAFKA,
        topic_prefix=topic_prefix,
        mongodb_uri=MONGODB_URI,
        mongodb_database=database,
        smtp_port=inbox.port,
        mail_domain=DOMAIN,
        retry_max_delay_s=0.5,
    )

    async def publish(event: AppointmentEvent, event_id: str) -> None:
        envelope = Envelope(data=event, source="/relais/appointments", id=event_id)
        key, value, headers = encode(envelope)
        await publisher.send_raw(
            topic=topic_prefix + APPOINTMENTS, key=key, value=value, headers=headers
        )

    try:
        async with serve_app(build_app(settings)):
            yield publish
    finally:
        client = connect(uri=MONGODB_URI)
        await client.drop_database(database)
        await client.close()


async def mails(inbox: Inbox, count: int, *, settle_s: float = 3.0) -> list[EmailMessage]:
    """Wait for `count` emails, then a little longer to see that no more come."""
    for _ in range(600):
        if len(inbox.messages) >= count:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(settle_s)
    return list(inbox.messages)


async def test_confirmation_and_reminder_carry_the_ics_once_each(
    send: Publish, inbox: Inbox, database: str
) -> None:
    publish = send
    booked = AppointmentBooked(
        **details(), booked_by=BookedBy.CITIZEN, actor="usager", booked_at=START - timedelta(days=5)
    )
    await publish(booked, "b1.v0.booked")
    await publish(booked, "b1.v0.booked")  # redelivered: no second mail
    phone_only = details(
        booking_id="b2", contact=AppointmentContact(name="Yanis", phone="+33612345678")
    )
    await publish(
        AppointmentBooked(**phone_only, booked_by=BookedBy.AGENT, actor="agent", booked_at=START),
        "b2.v0.booked",
    )
    await publish(
        AppointmentReminderDue(**details(), due_at=START - timedelta(days=1)), "b1.v0.reminder"
    )
    received = await mails(inbox, 2)
    assert len(received) == 2
    confirmation, reminder = received
    assert str(confirmation["Subject"]).startswith("Votre rendez-vous est confirmé : Passeport")
    assert "dimanche 28 mars 2027 à 09h30" in str(confirmation["Subject"])
    assert str(reminder["Subject"]).startswith("Rappel")
    part = confirmation.get_body(preferencelist=("plain",))
    assert part is not None
    body = part.get_content()
    assert "Photo d'identité" in body and "Mairie, guichet 2" in body
    (attachment,) = list(confirmation.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    (event,) = Calendar.from_ical(attachment.get_content()).walk("VEVENT")
    assert event["UID"] == "b1@relais" and event.decoded("DTSTART") == START
    assert "Ne plus recevoir de messages de la mairie : http" in body
    assert reminder["List-Unsubscribe"].startswith("<http://127.0.0.1:8030/v1/preferences/")
    client = connect(uri=MONGODB_URI)
    try:
        (sms,) = await client[database][SMS_SINK].find().to_list()
    finally:
        await client.close()
    assert sms["recipient"] == "+33612345678"
    assert "Passeport" in sms["text"] and "dimanche 28 mars 2027" in sms["text"]
