"""What a portal submission becomes: a request draft for shared intake (pure mapping)."""

from collections.abc import Callable
from datetime import date
from typing import Any

from services.portal.fields import PortalModel
from services.portal.forms import (
    FormSpec,
    JobApplication,
    PublicSpaceOccupation,
    SchoolEnrolment,
)
from services.portal.schemas import RequestInput
from shared.events import Attachment, Channel, Citizen, FormData, Location
from shared.intake import RequestDraft

FieldValue = str | int | float | bool


def _day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def _lines(*lines: str | None) -> str:
    return "\n".join(line for line in lines if line)


def flat_fields(model: PortalModel) -> dict[str, FieldValue]:
    """The model's values as flat `form` fields: nested keys joined by "_", no empty values."""
    fields: dict[str, FieldValue] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(f"{prefix}_{key}" if prefix else str(key), item)
        elif isinstance(value, list):
            fields[prefix] = ", ".join(str(v) for v in value)
        elif value is not None:
            fields[prefix] = value

    walk("", model.model_dump(mode="json"))
    return fields


def file_request(
    request: RequestInput, *, message_id: str | None = None, raw_ref: str | None = None
) -> RequestDraft:
    """The generic request as a draft; `message_id` is the client's Idempotency-Key."""
    location = request.location
    return RequestDraft(
        channel=Channel.PORTAL,
        channel_message_id=message_id,
        category=request.category,
        subject=request.subject or None,
        description=request.description,
        citizen=request.citizen.to_citizen(),
        location=None if location is None or location.empty else Location(**location.model_dump()),
        raw_ref=raw_ref,
    )


def _school(form: SchoolEnrolment, category: str) -> RequestDraft:
    child = f"{form.child_first_name} {form.child_last_name}"
    return RequestDraft(
        channel=Channel.PORTAL,
        category=category,
        subject=f"Inscription scolaire ({form.school_level})",
        description=_lines(
            f"Demande d'inscription scolaire en {form.school_level} pour {child}, "
            f"né(e) le {_day(form.child_birth_date)}.",
            f"École souhaitée : {form.school_wished}." if form.school_wished else None,
            f"Adresse du foyer : {form.address}.",
            f"Responsable légal : {form.parent.name}.",
            f"Commentaire : {form.comment}" if form.comment else None,
        ),
        citizen=form.parent.to_citizen(),
    )


def _occupation(form: PublicSpaceOccupation, category: str) -> RequestDraft:
    period = f"du {_day(form.start_date)} au {_day(form.end_date)}"
    surface = f"{form.surface_m2:g}".replace(".", ",")
    return RequestDraft(
        channel=Channel.PORTAL,
        category=category,
        subject=f"Occupation du domaine public : {form.purpose} {period}",
        description=_lines(
            f"Demande d'occupation du domaine public ({form.purpose}) {period}.",
            f"Précisions : {form.purpose_details}" if form.purpose_details else None,
            f"Adresse : {form.address}.",
            f"Surface occupée : {surface} m².",
            f"Entreprise : {form.company_name}." if form.company_name else None,
            f"Demandeur : {form.contact.name}.",
        ),
        citizen=form.contact.to_citizen(),
        location=Location(address=form.address),
    )


def _application(form: JobApplication, category: str) -> RequestDraft:
    name = f"{form.first_name} {form.last_name}"
    heading = (
        "Candidature spontanée"
        if form.spontaneous
        else f"Candidature à l'offre {form.job_reference}"
    )
    return RequestDraft(
        channel=Channel.PORTAL,
        category=category,
        subject=heading,
        description=_lines(f"{heading} de {name}.", "", "Motivation :", form.motivation),
        citizen=Citizen(name=name, email=form.email, phone=form.phone),
    )


_FORMS: dict[type[PortalModel], Callable[[Any, str], RequestDraft]] = {
    SchoolEnrolment: _school,
    PublicSpaceOccupation: _occupation,
    JobApplication: _application,
}


def file_form(
    spec: FormSpec,
    form: PortalModel,
    *,
    attachments: list[Attachment] | None = None,
    message_id: str | None = None,
    raw_ref: str | None = None,
) -> RequestDraft:
    """A form as a request: its category, a French description and its fields."""
    if isinstance(form, RequestInput):
        draft = file_request(form)
        fields: dict[str, FieldValue] = {}
    else:
        assert spec.category is not None
        draft = _FORMS[type(form)](form, spec.category)
        fields = flat_fields(form)
    known = {
        "form": FormData(form_type=spec.form_type, fields=dict(fields)),
        "attachments": attachments or [],
        "channel_message_id": message_id,
        "raw_ref": raw_ref,
    }
    return draft.model_copy(update=known)
