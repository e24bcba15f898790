"""What a portal submission becomes in the request contract (pure mapping)."""

from collections.abc import Callable
from dataclasses import dataclass
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
from shared.events import (
    Attachment,
    Channel,
    Citizen,
    FormData,
    Location,
    RequestSubmitted,
)
from shared.intake import Identity

FieldValue = str | int | float | bool


@dataclass(frozen=True)
class Filing:
    """The request a submission stands for, before it gets its identifiers."""

    category: str
    subject: str | None
    description: str
    citizen: Citizen
    location: Location | None = None
    form: FormData | None = None


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


def file_request(request: RequestInput) -> Filing:
    location = request.location
    return Filing(
        category=request.category,
        subject=request.subject or None,
        description=request.description,
        citizen=request.citizen.to_citizen(),
        location=None if location is None or location.empty else Location(**location.model_dump()),
    )


def _school(form: SchoolEnrolment, category: str) -> Filing:
    child = f"{form.child_first_name} {form.child_last_name}"
    return Filing(
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


def _occupation(form: PublicSpaceOccupation, category: str) -> Filing:
    period = f"du {_day(form.start_date)} au {_day(form.end_date)}"
    surface = f"{form.surface_m2:g}".replace(".", ",")
    return Filing(
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


def _application(form: JobApplication, category: str) -> Filing:
    name = f"{form.first_name} {form.last_name}"
    heading = (
        "Candidature spontanée"
        if form.spontaneous
        else f"Candidature à l'offre {form.job_reference}"
    )
    return Filing(
        category=category,
        subject=heading,
        description=_lines(f"{heading} de {name}.", "", "Motivation :", form.motivation),
        citizen=Citizen(name=name, email=form.email, phone=form.phone),
    )


_FORMS: dict[type[PortalModel], Callable[[Any, str], Filing]] = {
    SchoolEnrolment: _school,
    PublicSpaceOccupation: _occupation,
    JobApplication: _application,
}


def file_form(spec: FormSpec, form: PortalModel) -> Filing:
    """A form as a request: its category, a French description and its fields."""
    if isinstance(form, RequestInput):
        filing = file_request(form)
        fields: dict[str, FieldValue] = {}
    else:
        assert spec.category is not None
        filing = _FORMS[type(form)](form, spec.category)
        fields = flat_fields(form)
    return Filing(
        category=filing.category,
        subject=filing.subject,
        description=filing.description,
        citizen=filing.citizen,
        location=filing.location,
        form=FormData(form_type=spec.form_type, fields=dict(fields)),
    )


def build_event(
    identity: Identity,
    *,
    filing: Filing,
    attachments: list[Attachment],
    raw_ref: str | None,
    message_id: str | None,
) -> RequestSubmitted:
    return RequestSubmitted(
        request_id=identity.request_id,
        reference=identity.reference,
        channel=Channel.PORTAL,
        channel_message_id=message_id,
        category=filing.category,
        subject=filing.subject,
        description=filing.description,
        citizen=filing.citizen,
        location=filing.location,
        attachments=attachments,
        form=filing.form,
        tracking_token_hash=identity.tracking_token_hash,
        submitted_at=identity.received_at,
        raw_ref=raw_ref,
    )
