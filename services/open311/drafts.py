"""A checked GeoReport v2 POST as a request draft for shared intake (pure mapping)."""

from services.open311.schemas import ServiceRequestInput
from shared.catalogue import Category
from shared.events import Channel, Citizen, ContactPreference, FormData, Location
from shared.intake import RequestDraft


def _citizen(request: ServiceRequestInput) -> Citizen:
    name = " ".join(filter(None, [request.first_name, request.last_name])) or None
    preferred = (
        ContactPreference.EMAIL
        if request.email
        else ContactPreference.SMS
        if request.phone
        else ContactPreference.NONE
    )
    return Citizen(name=name, email=request.email, phone=request.phone, preferred_contact=preferred)


def _form(request: ServiceRequestInput) -> FormData:
    fields: dict[str, str | int | float | bool | None] = {
        f"attribute:{code}": answer for code, answer in request.attribute.items()
    }
    for name in ("address_id", "device_id", "account_id"):
        fields[name] = getattr(request, name)
    fields["media_url"] = str(request.media_url) if request.media_url else None
    return FormData(form_type="open311", fields={k: v for k, v in fields.items() if v is not None})


def request_draft(
    request: ServiceRequestInput, *, category: Category, message_id: str | None
) -> RequestDraft:
    location = None
    if request.lat is not None or request.address_string:
        location = Location(address=request.address_string, lat=request.lat, lon=request.long)
    form = _form(request)
    return RequestDraft(
        channel=Channel.OPEN311,
        channel_message_id=message_id,
        category=category.code,
        subject=category.label,
        description=request.description or f"Signalement « {category.label} » reçu par Open311.",
        citizen=_citizen(request),
        location=location,
        form=form if form.fields else None,
    )
