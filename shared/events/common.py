"""Value types shared by the event contracts."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("datetime must carry a time zone")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]
RequestId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
Reference = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[0-9]{4}-[A-Z][0-9]{6,}$")]


class Contract(BaseModel):
    """Base of every contract model: closed, immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Channel(StrEnum):
    """How the citizen reached the town hall."""

    PORTAL = "portal"
    EMAIL = "email"
    DESK = "desk"
    PHONE = "phone"
    POSTAL = "postal"
    CONTACT_FORM = "contact_form"
    FACEBOOK = "facebook"
    CHATBOT = "chatbot"
    OPEN311 = "open311"


class ContactPreference(StrEnum):
    """Where the citizen wants to hear about progress."""

    EMAIL = "email"
    SMS = "sms"
    FACEBOOK = "facebook"
    CHATBOT = "chatbot"
    POSTAL = "postal"
    NONE = "none"


class RequestStatus(StrEnum):
    RECEIVED = "received"
    ROUTED = "routed"
    IN_PROGRESS = "in_progress"
    WAITING_CITIZEN = "waiting_citizen"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Citizen(Contract):
    name: str | None = Field(default=None, max_length=200)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40)
    postal_address: str | None = Field(default=None, max_length=500)
    facebook_psid: str | None = Field(default=None, max_length=64)
    preferred_contact: ContactPreference = ContactPreference.EMAIL


class Location(Contract):
    address: str | None = Field(default=None, max_length=500)
    lat: float | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False)
    lon: float | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False)


class Attachment(Contract):
    attachment_id: str = Field(min_length=1, max_length=64)
    filename: str = Field(min_length=1, max_length=255)
    content_type: str = Field(min_length=3, max_length=127)
    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    storage_ref: str = Field(min_length=1, max_length=500)


class FormData(Contract):
    """Structured fields of an online form (school enrolment, road permit...)."""

    form_type: str = Field(min_length=1, max_length=64)
    fields: dict[str, str | int | float | bool | None] = Field(default_factory=dict)


class Department(Contract):
    code: str = Field(min_length=1, max_length=64)
    label: str = Field(min_length=1, max_length=200)


class RoutingSuggestion(Contract):
    """A department routing considered, with its score."""

    department: Department
    category: str = Field(min_length=1, max_length=64)
    score: float = Field(ge=0, le=1)
