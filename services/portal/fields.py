"""Validated field types shared by the generic request and the online forms (French errors)."""

from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_validator,
)

from shared.events import Citizen, ContactPreference
from shared.phones import FrenchPhone


def french_choices(literal: Any) -> WrapValidator:
    """Validator listing a Literal's values in French (pydantic's own message says "or")."""
    values = ", ".join(f"« {v} »" for v in get_args(literal))

    def check(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(value)
        except ValidationError:
            raise ValueError(f"Valeur non autorisée ; valeurs possibles : {values}.") from None

    return WrapValidator(check)


Phone = Annotated[FrenchPhone, Field(title="Téléphone", examples=["06 12 34 56 78"])]
Email = Annotated[EmailStr, Field(title="Adresse électronique", examples=["camille@example.org"])]
Name = Annotated[str, Field(min_length=1, max_length=200, title="Nom")]
Preference = Literal["email", "sms", "none"]


class PortalModel(BaseModel):
    """Closed input models: unknown fields are refused, surrounding spaces ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class CitizenInput(PortalModel):
    """Coordonnées de la personne qui dépose la demande."""

    email: Email
    name: Name | None = None
    phone: Phone | None = None
    preferred_contact: Annotated[Preference, french_choices(Preference)] = Field(
        default="email", title="Être prévenu(e) par"
    )

    @model_validator(mode="after")
    def _reachable(self) -> "CitizenInput":
        if self.preferred_contact == "sms" and not self.phone:
            raise ValueError("Indiquez un numéro de téléphone pour être prévenu(e) par SMS.")
        return self

    def to_citizen(self) -> Citizen:
        return Citizen(
            name=self.name,
            email=self.email,
            phone=self.phone,
            preferred_contact=ContactPreference(self.preferred_contact),
        )


class ContactInput(PortalModel):
    """Personne à contacter au sujet d'un formulaire."""

    name: Name
    email: Email
    phone: Phone | None = None

    def to_citizen(self) -> Citizen:
        return Citizen(name=self.name, email=self.email, phone=self.phone)


class LocationInput(PortalModel):
    """Lieu concerné : une adresse, des coordonnées GPS, ou les deux."""

    address: str | None = Field(default=None, min_length=1, max_length=500, title="Adresse")
    lat: float | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False, title="Latitude")
    lon: float | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False, title="Longitude")

    @model_validator(mode="after")
    def _complete(self) -> "LocationInput":
        if (self.lat is None) != (self.lon is None):
            raise ValueError("La latitude et la longitude doivent être fournies ensemble.")
        return self

    @property
    def empty(self) -> bool:
        return self.address is None and self.lat is None
