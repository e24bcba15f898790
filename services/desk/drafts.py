"""Agents' bodies -> request drafts and follow-up events (pure logic)."""

from datetime import datetime
from typing import Any

from services.desk.schemas import (
    CallBody,
    CitizenInput,
    FollowUpData,
    LetterData,
    LocationInput,
    VisitBody,
)
from services.desk.telephony import CallState, request_fields
from shared.auth import Agent
from shared.catalogue import load_catalogue
from shared.events import (
    Attachment,
    Channel,
    Citizen,
    CitizenMessageReceived,
    ContactPreference,
    FormData,
    Location,
)
from shared.intake import RequestDraft
from shared.phones import can_receive_sms

FormFields = dict[str, str | int | float | bool | None]


class ContactError(ValueError):
    """The preferred contact cannot be used with the details given (French message)."""


def _preference(citizen: CitizenInput, phone: str | None) -> ContactPreference:
    if citizen.email:
        return ContactPreference.EMAIL
    if phone and can_receive_sms(phone):
        return ContactPreference.SMS
    if citizen.postal_address:
        return ContactPreference.POSTAL
    return ContactPreference.NONE


def _check_contact(preference: ContactPreference, citizen: Citizen) -> None:
    if preference == ContactPreference.EMAIL and not citizen.email:
        raise ContactError("Contact par courriel choisi : indiquez l'adresse électronique.")
    if preference == ContactPreference.SMS and not (
        citizen.phone and can_receive_sms(citizen.phone)
    ):
        raise ContactError("Contact par SMS choisi : indiquez un numéro de téléphone mobile.")
    if preference == ContactPreference.POSTAL and not citizen.postal_address:
        raise ContactError("Contact par courrier choisi : indiquez l'adresse postale.")
    if preference == ContactPreference.FACEBOOK:
        raise ContactError("Le contact par Facebook n'est pas possible depuis l'accueil.")


def citizen_of(citizen: CitizenInput, *, fallback_phone: str | None = None) -> Citizen:
    """The contract's citizen; raises ContactError if the preferred contact is unusable."""
    phone = citizen.phone or fallback_phone
    preference = citizen.preferred_contact or _preference(citizen, phone)
    result = Citizen(
        name=citizen.name,
        email=citizen.email,
        phone=phone,
        postal_address=citizen.postal_address,
        preferred_contact=preference,
    )
    _check_contact(preference, result)
    return result


def location_of(location: LocationInput | None) -> Location | None:
    if location is None or (location.address is None and location.lat is None):
        return None
    return Location(address=location.address, lat=location.lat, lon=location.lon)


def _form(form_type: str, agent: Agent, **extra: Any) -> FormData:
    fields: FormFields = {"agent_id": agent.agent_id, "agent_department": agent.department}
    fields.update({k: v for k, v in extra.items() if v is not None})
    return FormData(form_type=form_type, fields=fields)


def _subject(subject: str | None, category: str | None) -> str | None:
    found = load_catalogue().category(category)
    return subject or (found.label if found else None)


def _spoken(
    *, channel: Channel, body: VisitBody, citizen: Citizen, message_id: str | None, form: FormData
) -> RequestDraft:
    """A request the citizen told an agent, face to face or on the phone."""
    return RequestDraft(
        channel=channel,
        channel_message_id=message_id,
        category=body.category,
        subject=_subject(body.subject, body.category),
        description=body.description,
        citizen=citizen,
        location=location_of(body.location),
        form=form,
    )


def visit_draft(
    *, body: VisitBody, citizen: Citizen, agent: Agent, message_id: str | None
) -> RequestDraft:
    return _spoken(
        channel=Channel.DESK,
        body=body,
        citizen=citizen,
        message_id=message_id,
        form=_form("desk_visit", agent),
    )


def caller_number(body: CallBody, call: CallState | None) -> str | None:
    return body.caller_number or (call.from_number if call else None)


def call_draft(
    *,
    body: CallBody,
    citizen: Citizen,
    agent: Agent,
    message_id: str | None,
    call: CallState | None,
) -> RequestDraft:
    timing = request_fields(call) if call else {}
    form = _form(
        "phone_call", agent, call_id=body.call_id, caller_number=caller_number(body, call), **timing
    )
    return _spoken(
        channel=Channel.PHONE, body=body, citizen=citizen, message_id=message_id, form=form
    )


def letter_subject(data: LetterData) -> str:
    return _subject(data.subject, data.category) or (
        f"Courrier reçu le {data.date_received.strftime('%d/%m/%Y')}"
    )


def letter_draft(
    *,
    data: LetterData,
    citizen: Citizen,
    agent: Agent,
    message_id: str | None,
    scan: Attachment,
    raw_ref: str,
) -> RequestDraft:
    return RequestDraft(
        channel=Channel.POSTAL,
        channel_message_id=message_id,
        category=data.category,
        subject=letter_subject(data),
        description=data.description,
        citizen=citizen,
        attachments=[scan],
        form=_form("postal_letter", agent, date_received=data.date_received.isoformat()),
        raw_ref=raw_ref,
    )


def follow_up_event(
    *,
    request_id: str,
    reference: str,
    data: FollowUpData,
    message_id: str | None,
    attachments: list[Attachment],
    raw_ref: str | None,
    received_at: datetime,
) -> CitizenMessageReceived:
    return CitizenMessageReceived(
        request_id=request_id,
        reference=reference,
        channel=Channel(data.channel),
        channel_message_id=message_id,
        text=data.text,
        attachments=attachments,
        received_at=received_at,
        raw_ref=raw_ref,
    )
