"""Who books: a name and an email or a phone number; one key per person for quotas."""

import hashlib
from typing import Self

from pydantic import EmailStr, Field, field_validator, model_validator

from services.appointments.agendas import Model
from shared.events.appointments import AppointmentContact
from shared.phones import to_e164


class ContactInput(Model):
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, min_length=1, max_length=40)

    @field_validator("phone")
    @classmethod
    def _e164(cls, value: str | None) -> str | None:
        return to_e164(value) if value else None

    @model_validator(mode="after")
    def _reachable(self) -> Self:
        if not self.email and not self.phone:
            raise ValueError("Indiquez une adresse électronique ou un numéro de téléphone.")
        return self

    def contract(self) -> AppointmentContact:
        return AppointmentContact(name=self.name, email=self.email, phone=self.phone)


def contact_key(contact: ContactInput) -> str:
    """A stable, non-reversible key for one person (quotas, no-shows): never the address."""
    identity = (contact.email or "").strip().lower() or contact.phone or ""
    return hashlib.sha256(identity.encode()).hexdigest()[:32]
