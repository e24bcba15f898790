"""The generic request a citizen files on the portal, and the portal's answers."""

from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from services.portal.fields import CitizenInput, LocationInput, PortalModel
from shared.catalogue import load_catalogue


class RequestInput(PortalModel):
    """Demande générale : une catégorie, une description, vos coordonnées."""

    category: str = Field(
        max_length=64,
        title="Catégorie",
        description="Code renvoyé par GET /v1/categories",
        examples=["voirie"],
    )
    subject: str | None = Field(default=None, max_length=300, title="Objet")
    description: str = Field(min_length=1, max_length=5000, title="Description")
    citizen: CitizenInput
    location: LocationInput | None = None

    @field_validator("category")
    @classmethod
    def _known(cls, code: str) -> str:
        if load_catalogue().category(code) is None:
            raise ValueError(
                f"Catégorie inconnue : « {code} ». Les catégories possibles sont données "
                "par GET /v1/categories."
            )
        return code


class Accepted(BaseModel):
    """The request is on the log: its identifiers and where the citizen follows it."""

    id: str
    reference: str = Field(examples=["2026-P000124"])
    tracking_token: str | None = Field(
        description="Code de suivi à conserver ; il donne accès à l'état de la demande"
    )
    status_url: str
    message: str


class CategoryItem(BaseModel):
    code: str
    label: str


class FormItem(BaseModel):
    form_type: str
    title: str
    description: str
    category: str | None = Field(description="Catégorie de la demande créée (None : au choix)")
    attachments: Literal["facultatives", "obligatoires"]
    accepted_types: list[str]
    json_schema: dict[str, Any]
