"""Appointment notices: the confirmation (booked or moved) and the reminder.

Consumes `relais.appointments.v1` (group `notification-appointments`) and sends through the
outbox (`direct.py`), once per event id, with the opt-out link, retries and permanent
failures of every notice. Email carries the .ics; a citizen who prefers SMS (the request's
contact says so) or gave only a phone number gets an SMS. Events sent before the outbox
existed are remembered in `appointment_mails` and not sent again.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import structlog
from pymongo.asynchronous.database import AsyncDatabase

from services.notification.channels.base import Attachment, ContactPoint
from services.notification.contacts import Contacts, UnknownContact
from services.notification.direct import DirectNotices, Trigger
from services.notification.french import long_date
from services.notification.messages import Content
from services.notification.settings import NotificationSettings
from shared.envelope import Envelope
from shared.events import ContactPreference
from shared.events.appointments import (
    AppointmentBooked,
    AppointmentDetails,
    AppointmentEvent,
    AppointmentMoved,
    AppointmentReminderDue,
)
from shared.ics import appointment_ics
from shared.kafka.handlers import Handlers
from shared.mongo import Document

log = structlog.get_logger(__name__)
SENT = "appointment_mails"  # the ledger of before the outbox, read only
TEMPLATES = {
    AppointmentBooked: "appointment_booked",
    AppointmentMoved: "appointment_moved",
    AppointmentReminderDue: "appointment_reminder",
}


def french_moment(moment: datetime, tz: ZoneInfo) -> str:
    """`dimanche 28 mars 2027 à 09h30`, in the town's time zone."""
    local = moment.astimezone(tz)
    return f"{long_date(local.date())} à {local:%Hh%M}"


def appointment_point(
    event: AppointmentDetails, *, preferred: ContactPreference | None
) -> ContactPoint | None:
    """Email unless the citizen prefers SMS or has only a phone (pure)."""
    contact = event.contact
    if contact.phone and (preferred is ContactPreference.SMS or contact.email is None):
        return ContactPoint(channel="sms", address=contact.phone, name=contact.name)
    if contact.email is not None:
        return ContactPoint(channel="email", address=str(contact.email), name=contact.name)
    return None


def appointment_content(
    event: AppointmentDetails, *, settings: NotificationSettings, when: str
) -> Content:
    return Content(
        TEMPLATES[type(event)],
        {
            "greeting": f"Bonjour {event.contact.name},",
            "title": event.title,
            "when": when,
            "location": event.location or "",
            "documents": "\n".join(event.documents),
            "town_name": settings.town_name,
            "signature": f"La mairie de {settings.town_name}",
        },
    )


class AppointmentNotices:
    def __init__(
        self,
        *,
        db: AsyncDatabase[Document],
        notices: DirectNotices,
        contacts: Contacts,
        settings: NotificationSettings,
    ) -> None:
        self._db = db
        self._notices = notices
        self._contacts = contacts
        self._settings = settings
        self._tz = ZoneInfo(settings.timezone)

    def handlers(self) -> Handlers:
        registry = Handlers()
        for event_type in TEMPLATES:
            # Appointment events are not request events: the registry is keyed by type alone.
            registry.single[event_type] = self.on_event  # type: ignore[index]
        return registry

    async def on_event(self, envelope: Envelope[AppointmentEvent]) -> None:
        event = envelope.data
        if not isinstance(event, AppointmentDetails):
            return
        to = appointment_point(event, preferred=await self._preferred(event))
        if to is None or await self._db[SENT].find_one({"_id": envelope.id}):
            return
        when = french_moment(event.start, self._tz)
        trigger = Trigger(
            id=envelope.id,
            correlation_id=envelope.correlation_id,
            request_id=event.request_id,
            reference=event.reference,
        )
        attachments = [self.ics(event, when)] if to.channel == "email" else []
        content = appointment_content(event, settings=self._settings, when=when)
        record = await self._notices.tell(trigger, to=to, content=content, attachments=attachments)
        log.info("appointment_notice.done", type=envelope.type, state=record["state"])

    async def _preferred(self, event: AppointmentDetails) -> ContactPreference | None:
        """The preference the citizen gave with their request, when the booking has one."""
        if event.request_id is None:
            return None
        try:
            contact = await self._contacts.get(request_id=event.request_id)
        except UnknownContact:
            return None
        return contact.preferred_contact

    def ics(self, event: AppointmentDetails, when: str) -> Attachment:
        description = f"{event.title}, le {when}" + (
            f", {event.location}." if event.location else "."
        )
        if event.documents:
            description += "\nÀ apporter : " + ", ".join(event.documents)
        content = appointment_ics(
            uid=f"{event.booking_id}@relais",
            sequence=event.version,
            summary=f"{event.title} – {self._settings.town_name}",
            location=event.location,
            description=description,
            start=event.start,
            end=event.end,
        )
        return Attachment(
            filename="rendez-vous.ics", content_type="text/calendar", content=content.decode()
        )
