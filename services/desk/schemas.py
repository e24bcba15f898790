"""What agents send to the desk adapter: checked bodies with French messages."""

from datetime import date, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from shared.catalogue import load_catalogue
from shared.events import ContactPreference
from shared.inputs import BlankIsAbsent
from shared.phones import to_e164

Text = Annotated[str, Field(min_length=1, max_length=20000)]
Subject = Annotated[str | None, Field(default=None, max_length=300)]
CallId = Annotated[
    str, Field(min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$", examples=["1712.42"])
]
DEFAULT_TIMEZONE = "Europe/Paris"


class Body(BlankIsAbsent):
    model_config = ConfigDict(extra="forbid")


def _phone(value: str | None) -> str | None:
    return None if value is None else to_e164(value)


def _category(value: str | None) -> str | None:
    if value is None:
        return None
    catalogue = load_catalogue()
    if catalogue.category(value) is None:
        known = ", ".join(sorted(catalogue.categories))
        raise ValueError(f"Catégorie inconnue : « {value[:64]} » (catégories : {known}).")
    return value


class CitizenInput(Body):
    name: str | None = Field(default=None, max_length=200)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40, examples=["06 12 34 56 78"])
    postal_address: str | None = Field(default=None, max_length=500)
    preferred_contact: ContactPreference | None = Field(
        default=None,
        description="Par défaut : courriel si une adresse est donnée, sinon SMS (mobile), "
        "sinon courrier postal, sinon aucun.",
    )

    _check_phone = field_validator("phone")(_phone)


class LocationInput(Body):
    address: str | None = Field(default=None, max_length=500)
    lat: float | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False)
    lon: float | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False)

    @model_validator(mode="after")
    def _together(self) -> "LocationInput":
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat et lon doivent être fournis ensemble.")
        return self


class VisitBody(Body):
    """An in-person visit at the front desk, logged by the agent who received the citizen."""

    category: str = Field(min_length=1, max_length=64, examples=["voirie"])
    description: Text
    subject: Subject
    citizen: CitizenInput = Field(default_factory=CitizenInput)
    location: LocationInput | None = None

    _check_category = field_validator("category")(_category)


class CallBody(VisitBody):
    """A phone call logged by the agent who took it."""

    call_id: CallId | None = Field(
        default=None, description="Identifiant de l'appel dans la téléphonie (CTI)"
    )
    caller_number: str | None = Field(default=None, max_length=40)

    _check_caller = field_validator("caller_number")(_phone)


class SenderInput(CitizenInput):
    name: str = Field(min_length=1, max_length=200)
    postal_address: str = Field(min_length=1, max_length=500)


def local_today(timezone: str) -> date:
    return datetime.now(ZoneInfo(timezone)).date()


def _today(info: ValidationInfo) -> date:
    """The town's date: `today` in the validation context, else today in Paris."""
    today = (info.context or {}).get("today")
    return today if isinstance(today, date) else local_today(DEFAULT_TIMEZONE)


class LetterData(Body):
    """The `data` part of a scanned letter."""

    sender: SenderInput
    date_received: date
    category: str | None = Field(default=None, max_length=64)
    subject: Subject
    description: Text = Field(validation_alias=AliasChoices("description", "summary"))

    _check_category = field_validator("category")(_category)

    @field_validator("date_received")
    @classmethod
    def _not_in_future(cls, value: date, info: ValidationInfo) -> date:
        if value > _today(info):
            raise ValueError("La date de réception ne peut pas être dans le futur.")
        return value


class FollowUpData(Body):
    """A citizen's follow-up received at the desk, by phone or by letter."""

    text: Text
    channel: Literal["desk", "phone", "postal"] = "desk"


class Accepted(BaseModel):
    id: str
    reference: str
    tracking_token: str | None
    status_url: str
    message: str


class FollowUpAccepted(BaseModel):
    id: str
    reference: str
    message: str
