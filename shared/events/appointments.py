"""Events on appointments, on their own topic keyed by agenda id.

An appointment is not always linked to a citizen request, so these events do not extend the
request `Event` base (which requires a request id and reference); a booking linked to a
request is also told on the request's own topic with `RequestAppointmentChanged`, so the
request's timeline shows it.
"""

from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import EmailStr, Field

from shared.events.common import AwareDatetime, Contract, Reference, RequestId
from shared.events.request import Event

AgendaId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
BookingId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class BookedBy(StrEnum):
    CITIZEN = "citizen"
    AGENT = "agent"


class AppointmentContact(Contract):
    """Who comes: a name and an email or a phone number."""

    name: str = Field(min_length=1, max_length=200)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40, description="E.164")


class AppointmentEvent(Contract):
    """Base of every appointment event; the record key is the agenda id."""

    event_type: ClassVar[str]
    agenda_id: AgendaId
    booking_id: BookingId

    @property
    def key(self) -> str:
        return self.agenda_id


class AppointmentDetails(AppointmentEvent):
    """What a citizen needs to know to come (confirmation, reminder)."""

    department: str = Field(min_length=1, max_length=64)
    kind: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=200)
    location: str | None = Field(default=None, max_length=300)
    documents: list[str] = Field(default_factory=list, max_length=30)
    start: AwareDatetime
    end: AwareDatetime
    contact: AppointmentContact
    request_id: RequestId | None = None
    reference: Reference | None = None
    version: int = Field(default=0, ge=0, description="The booking's version (.ics SEQUENCE)")


class AppointmentBooked(AppointmentDetails):
    """A place was taken, by the citizen online or by an agent for them."""

    event_type: ClassVar[str] = "relais.appointment.booked.v1"
    booked_by: BookedBy
    actor: str = Field(min_length=1, max_length=100)
    booked_at: AwareDatetime


class AppointmentMoved(AppointmentDetails):
    """The booking moved to another slot of the same agenda (the old place is released)."""

    event_type: ClassVar[str] = "relais.appointment.moved.v1"
    previous_start: AwareDatetime
    actor: str = Field(min_length=1, max_length=100)
    moved_at: AwareDatetime


class AppointmentCancelled(AppointmentEvent):
    """The place is free again."""

    event_type: ClassVar[str] = "relais.appointment.cancelled.v1"
    start: AwareDatetime
    reason: str = Field(min_length=1, max_length=300)
    actor: str = Field(min_length=1, max_length=100)
    cancelled_at: AwareDatetime
    request_id: RequestId | None = None
    reference: Reference | None = None


class AppointmentReminderDue(AppointmentDetails):
    """The appointment is close: time to remind the citizen."""

    event_type: ClassVar[str] = "relais.appointment.reminder_due.v1"
    due_at: AwareDatetime


class AppointmentNoShow(AppointmentEvent):
    """The citizen did not come; `no_shows` counts this contact's no-shows so far."""

    event_type: ClassVar[str] = "relais.appointment.no_show.v1"
    start: AwareDatetime
    no_shows: int = Field(ge=1)
    actor: str = Field(min_length=1, max_length=100)
    marked_at: AwareDatetime


class AppointmentChange(StrEnum):
    BOOKED = "booked"
    MOVED = "moved"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


class RequestAppointmentChanged(Event):
    """An appointment linked to this request was booked, moved, cancelled or missed."""

    event_type: ClassVar[str] = "relais.request.appointment.v1"
    booking_id: BookingId
    agenda_id: AgendaId
    title: str = Field(min_length=1, max_length=200)
    change: AppointmentChange
    start: AwareDatetime
    actor: str = Field(min_length=1, max_length=100)
    changed_at: AwareDatetime


APPOINTMENT_EVENT_MODELS: dict[str, type[AppointmentEvent]] = {
    model.event_type: model
    for model in (
        AppointmentBooked,
        AppointmentMoved,
        AppointmentCancelled,
        AppointmentReminderDue,
        AppointmentNoShow,
    )
}
