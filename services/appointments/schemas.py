"""Bodies and answers of the appointments API."""

from datetime import date, datetime

from pydantic import BaseModel, Field

from services.appointments.agendas import AwareDatetime, Model
from services.appointments.contacts import ContactInput
from shared.events.common import Reference, RequestId


class CitizenRequestProof(Model):
    """The open request an agenda reserved to requests is booked for."""

    reference: Reference
    tracking_token: str = Field(min_length=8, max_length=200)


class CitizenBookingInput(Model):
    start: AwareDatetime = Field(description="Début du créneau choisi (ISO 8601 avec fuseau)")
    contact: ContactInput
    request: CitizenRequestProof | None = None


class RequestLinkInput(Model):
    request_id: RequestId
    reference: Reference


class AgentBookingInput(Model):
    start: AwareDatetime
    contact: ContactInput
    request: RequestLinkInput | None = None


class MoveInput(Model):
    start: AwareDatetime = Field(description="Début du nouveau créneau")


class CancelInput(Model):
    reason: str = Field(default="Annulé par l'usager", min_length=1, max_length=300)


class FreeSlot(BaseModel):
    start: datetime
    end: datetime
    free: int = Field(description="Places encore libres")
    label: str = Field(description="En toutes lettres, heure de Paris")


class SlotPage(BaseModel):
    agenda_id: str
    first_day: date
    last_day: date
    slots: list[FreeSlot]


class AgendaView(BaseModel):
    agenda_id: str
    department: str
    kind: str
    title: str
    location: str | None
    duration_min: int
    documents: list[str]
    audience: str
    horizon_days: int
    min_notice_min: int


class BookingView(BaseModel):
    """What a citizen sees of their booking."""

    booking_id: str
    agenda_id: str
    title: str
    location: str | None
    documents: list[str]
    start: datetime
    end: datetime
    label: str
    status: str
    name: str
    reference: str | None = None


class BookingCreated(BookingView):
    code: str = Field(description="Code de réservation : à garder pour déplacer ou annuler")
    manage_url: str
    ics_url: str


class AgentBookingView(BookingView):
    email: str | None
    phone: str | None
    booked_by: str
    no_shows: int = Field(description="Absences déjà constatées pour ce contact")


class AgendaDay(BaseModel):
    agenda_id: str
    first_day: date
    last_day: date
    bookings: list[AgentBookingView]


class ClosureResult(BaseModel):
    closure_id: str
    affected: list[AgentBookingView] = Field(
        description="Rendez-vous déjà pris dans la plage : à prévenir ou déplacer"
    )


class AgendaStats(BaseModel):
    agenda_id: str
    first_day: date
    last_day: date
    places_offered: int
    booked: int
    arrived: int
    no_shows: int
    cancelled: int
    fill_rate: float | None = Field(description="Places réservées / places offertes")
    lead_time_hours_median: float | None = Field(description="Délai médian réservation-RDV")
    no_show_rate: float | None = Field(description="Absents / (venus + absents)")
