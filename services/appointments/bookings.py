"""The booking document: its states and how it reads back."""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from services.appointments.agendas import Agenda
from services.appointments.contacts import ContactInput
from shared.events.appointments import AppointmentContact, BookedBy
from shared.mongo import Document


class Status(StrEnum):
    PENDING = "pending"  # places claimed, event not yet acknowledged by Kafka
    CONFIRMED = "confirmed"
    ARRIVED = "arrived"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    REFUSED = "refused"  # no place (kept to answer an idempotent retry the same way)
    ABANDONING = "abandoning"  # a sweep is releasing a booking nobody was answered for
    ABANDONED = "abandoned"


# A booking that holds its places.
HOLDING = (Status.CONFIRMED.value, Status.ARRIVED.value, Status.NO_SHOW.value)


class RequestLink(BaseModel):
    model_config = ConfigDict(frozen=True)
    request_id: str
    reference: str


class Booking(BaseModel):
    """A booking as stored (`_id` is `booking_id`)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    booking_id: str
    agenda_id: str
    department: str
    kind: str
    title: str
    location: str | None = None
    documents: list[str] = []
    start: datetime
    end: datetime
    status: Status
    contact: AppointmentContact
    contact_key: str
    booked_by: BookedBy
    actor: str
    request: RequestLink | None = None
    created_at: datetime
    version: int = 0
    refusal: dict[str, object] | None = None

    @classmethod
    def from_doc(cls, doc: Document) -> "Booking":
        return cls.model_validate(dict(doc) | {"booking_id": doc["_id"]})


def new_booking_doc(
    *,
    booking_id: str,
    agenda: Agenda,
    start: datetime,
    end: datetime,
    contact: ContactInput,
    key: str,
    code_hash: str,
    booked_by: BookedBy,
    actor: str,
    request: RequestLink | None,
    now: datetime,
    lease_until: datetime,
) -> Document:
    return {
        "_id": booking_id,
        "agenda_id": agenda.agenda_id,
        "department": agenda.department,
        "kind": agenda.kind,
        "title": agenda.title,
        "location": agenda.location,
        "documents": agenda.documents,
        "start": start,
        "end": end,
        "status": Status.PENDING.value,
        "contact": contact.contract().model_dump(mode="json"),
        "contact_key": key,
        "code_hash": code_hash,
        "booked_by": booked_by.value,
        "actor": actor,
        "request": request.model_dump() if request else None,
        "created_at": now,
        "lease_until": lease_until,
        "version": 0,
        "reminder_sent": False,
    }
