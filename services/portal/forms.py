"""The portal's online forms (issue #3): one closed schema each, with French messages.

Every form becomes one citizen request: `drafts.py` maps it to a category, a readable French
description and flat `form` fields.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import ConfigDict, Field, field_validator, model_validator

from services.portal.fields import (
    ContactInput,
    Email,
    Name,
    Phone,
    PortalModel,
    french_choices,
)
from services.portal.schemas import RequestInput
from shared.blobs import ALLOWED_TYPES

TIMEZONE = ZoneInfo("Europe/Paris")
SPONTANEOUS = "candidature spontanée"
CV_TYPES = frozenset(
    {
        "application/pdf",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }
)
SchoolLevel = Literal["PS", "MS", "GS", "CP", "CE1", "CE2", "CM1", "CM2"]
Purpose = Literal["échafaudage", "benne", "déménagement", "terrasse", "autre"]


def today() -> date:
    return datetime.now(TIMEZONE).date()


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


class SchoolEnrolment(PortalModel):
    """Inscription d'un enfant dans une école maternelle ou élémentaire de la commune."""

    model_config = ConfigDict(title="Inscription scolaire")

    child_first_name: Name = Field(title="Prénom de l'enfant")
    child_last_name: Name = Field(title="Nom de l'enfant")
    child_birth_date: date = Field(title="Date de naissance de l'enfant")
    school_level: Annotated[SchoolLevel, french_choices(SchoolLevel)] = Field(
        title="Niveau à la rentrée"
    )
    school_wished: str | None = Field(
        default=None, min_length=1, max_length=200, title="École souhaitée"
    )
    parent: ContactInput = Field(title="Responsable légal")
    address: str = Field(min_length=1, max_length=500, title="Adresse du foyer")
    comment: str | None = Field(default=None, max_length=2000, title="Commentaire")

    @field_validator("child_birth_date")
    @classmethod
    def _plausible_age(cls, birth: date) -> date:
        if not 2 <= age_on(birth, today()) <= 12:
            raise ValueError("L'enfant doit avoir entre 2 et 12 ans pour une inscription scolaire.")
        return birth


class PublicSpaceOccupation(PortalModel):
    """Autorisation d'occuper temporairement la voie publique (échafaudage, benne...)."""

    model_config = ConfigDict(title="Occupation du domaine public")

    purpose: Annotated[Purpose, french_choices(Purpose)] = Field(title="Nature de l'occupation")
    purpose_details: str | None = Field(
        default=None, min_length=1, max_length=500, title="Précisions"
    )
    address: str = Field(min_length=1, max_length=500, title="Adresse de l'occupation")
    start_date: date = Field(title="Premier jour")
    end_date: date = Field(title="Dernier jour")
    surface_m2: float = Field(gt=0, le=100_000, allow_inf_nan=False, title="Surface (m²)")
    company_name: str | None = Field(default=None, min_length=1, max_length=200, title="Entreprise")
    contact: ContactInput = Field(title="Demandeur")

    @field_validator("start_date")
    @classmethod
    def _not_past(cls, start: date) -> date:
        if start < today():
            raise ValueError("La date de début ne peut pas être dans le passé.")
        return start

    @model_validator(mode="after")
    def _consistent(self) -> "PublicSpaceOccupation":
        if self.end_date < self.start_date:
            raise ValueError("La date de fin doit être postérieure ou égale à la date de début.")
        if self.purpose == "autre" and not self.purpose_details:
            raise ValueError("Précisez la nature de l'occupation (champ purpose_details).")
        return self


class JobApplication(PortalModel):
    """Candidature à une offre d'emploi de la commune ou candidature spontanée (CV joint)."""

    model_config = ConfigDict(title="Candidature")

    job_reference: str = Field(
        default=SPONTANEOUS,
        min_length=1,
        max_length=100,
        title="Référence de l'offre",
        description=f"Référence de l'offre, ou « {SPONTANEOUS} »",
    )
    first_name: Name = Field(title="Prénom")
    last_name: Name = Field(title="Nom")
    email: Email
    phone: Phone | None = None
    motivation: str = Field(min_length=1, max_length=5000, title="Lettre de motivation")

    @property
    def spontaneous(self) -> bool:
        return self.job_reference.casefold() == SPONTANEOUS.casefold()


@dataclass(frozen=True)
class FormSpec:
    form_type: str
    title: str
    description: str
    model: type[PortalModel]
    category: str | None  # None: the citizen chooses (generic request)
    files_required: bool = False
    accepted_types: frozenset[str] = ALLOWED_TYPES
    missing_files: str = ""


FORMS: dict[str, FormSpec] = {
    spec.form_type: spec
    for spec in (
        FormSpec(
            "inscription_scolaire",
            "Inscription scolaire",
            "Inscrire un enfant de 2 à 12 ans dans une école de la commune.",
            SchoolEnrolment,
            "inscription_scolaire",
        ),
        FormSpec(
            "occupation_domaine_public",
            "Occupation du domaine public",
            "Demander l'autorisation d'installer un échafaudage, une benne, une terrasse...",
            PublicSpaceOccupation,
            "occupation_domaine_public",
        ),
        FormSpec(
            "candidature",
            "Candidature",
            "Postuler à une offre d'emploi ou envoyer une candidature spontanée (CV joint).",
            JobApplication,
            "candidature",
            files_required=True,
            accepted_types=CV_TYPES,
            missing_files="Le CV est obligatoire (fichier PDF, ODT ou DOCX).",
        ),
        FormSpec(
            "demande_generale",
            "Demande générale",
            "Toute autre demande ou tout signalement adressé à la mairie.",
            RequestInput,
            None,
        ),
    )
}
