"""Appointment emails: the confirmation (booked or moved) and the reminder, each with the .ics.

Consumes `relais.appointments.v1`. Idempotent by event id: the email's Message-ID derives
from it and a sent email is recorded, so a redelivered event sends nothing again (a crash
between the SMTP server's acceptance and the record gives at most one duplicate, with the
same Message-ID). Contacts with a phone number only are not written to (no SMS gateway yet).
"""

import uuid
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from zoneinfo import ZoneInfo

import structlog
from pymongo.asynchronous.database import AsyncDatabase

from services.notification.french import long_date
from services.notification.settings import NotificationSettings
from services.notification.smtp import RecipientRefused, SmtpMailer
from shared.appointment_envelope import AppointmentEnvelope
from shared.events.appointments import (
    AppointmentBooked,
    AppointmentDetails,
    AppointmentMoved,
    AppointmentReminderDue,
)
from shared.ics import appointment_ics
from shared.kafka.handlers import Handlers
from shared.mongo import Document, insert_once

log = structlog.get_logger(__name__)
SENT = "appointment_mails"
NAMESPACE = uuid.UUID("5d0f6a4e-2b1c-4e8a-9f3d-7c6b5a4e3d21")
SUBJECTS = {
    AppointmentBooked: "Votre rendez-vous est confirmé",
    AppointmentMoved: "Votre rendez-vous a été déplacé",
    AppointmentReminderDue: "Rappel : votre rendez-vous approche",
}


def french_moment(moment: datetime, tz: ZoneInfo) -> str:
    """`dimanche 28 mars 2027 à 09h30`, in the town's time zone."""
    local = moment.astimezone(tz)
    return f"{long_date(local.date())} à {local:%Hh%M}"


class AppointmentMails:
    def __init__(
        self, *, db: AsyncDatabase[Document], mailer: SmtpMailer, settings: NotificationSettings
    ) -> None:
        self._db = db
        self._mailer = mailer
        self._settings = settings
        self._tz = ZoneInfo(settings.timezone)

    def handlers(self) -> Handlers:
        registry = Handlers()
        for event_type in SUBJECTS:
            # Appointment events are not request events: the registry is keyed by type alone.
            registry.single[event_type] = self.on_event  # type: ignore[index]
        return registry

    async def on_event(self, envelope: AppointmentEnvelope) -> None:
        event = envelope.data
        if not isinstance(event, AppointmentDetails) or event.contact.email is None:
            return
        if await self._db[SENT].find_one({"_id": envelope.id}, {"_id": 1}):
            log.info("appointment_mail.already_sent", type=envelope.type)
            return
        message = self.compose(event, event_id=envelope.id, now=datetime.now(UTC))
        outcome = "sent"
        try:
            await self._mailer.send(message)
        except RecipientRefused:
            outcome = "refused"  # permanent: retrying would not help
        await insert_once(
            self._db, SENT, {"_id": envelope.id, "outcome": outcome, "at": datetime.now(UTC)}
        )
        log.info("appointment_mail.done", type=envelope.type, outcome=outcome)

    def compose(self, event: AppointmentDetails, *, event_id: str, now: datetime) -> EmailMessage:
        when = french_moment(event.start, self._tz)
        message = EmailMessage()
        message["From"] = self._settings.mail_from
        message["To"] = Address(display_name=event.contact.name, addr_spec=str(event.contact.email))
        message["Reply-To"] = self._settings.reply_to
        message["Subject"] = f"{SUBJECTS[type(event)]} : {event.title}, {when}"
        message["Date"] = format_datetime(now)
        message["Message-ID"] = (
            f"<rdv-{uuid.uuid5(NAMESPACE, event_id)}@{self._settings.mail_domain}>"
        )
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(self._text(event, when))
        ics = appointment_ics(
            uid=f"{event.booking_id}@relais",
            sequence=event.version,
            summary=f"{event.title} – {self._settings.town_name}",
            location=event.location,
            description=self._text(event, when),
            start=event.start,
            end=event.end,
        )
        message.add_attachment(ics, maintype="text", subtype="calendar", filename="rendez-vous.ics")
        message["Content-Language"] = "fr"
        return message

    def _text(self, event: AppointmentDetails, when: str) -> str:
        lines = [
            f"Bonjour {event.contact.name},",
            "",
            f"Votre rendez-vous « {event.title} » est prévu le {when}"
            + (f", {event.location}." if event.location else "."),
        ]
        if event.documents:
            lines += ["", "À apporter :", *(f"- {d}" for d in event.documents)]
        lines += [
            "",
            "Pour le déplacer ou l'annuler, utilisez le code de réservation reçu lors de la "
            "prise de rendez-vous.",
            "",
            f"La mairie de {self._settings.town_name}",
        ]
        return "\n".join(lines)
