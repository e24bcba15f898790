"""Open311 POST fields: checks with French messages, and the event they become."""

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from services.open311.drafts import request_draft
from services.open311.errors import describe
from services.open311.schemas import ServiceRequestInput, collect_fields
from shared.catalogue import load_catalogue
from shared.events import Channel, ContactPreference

CATALOGUE = load_catalogue()
IDENTITY = dict(
    request_id="abc123",
    reference="2026-O000042",
    tracking_token_hash="0" * 64,
    submitted_at=datetime(2026, 3, 2, 8, 0, tzinfo=UTC),
)


def _errors(fields: dict[str, object]) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        ServiceRequestInput.model_validate(fields)
    return [describe(dict(e)) for e in caught.value.errors()]


def test_form_attributes_are_gathered_and_multiple_values_joined() -> None:
    fields = collect_fields(
        [
            ("service_code", "voirie"),
            ("attribute[taille]", "grand"),
            ("attribute[cotes][]", "nord"),
            ("attribute[cotes][]", "sud"),
            ("service_code", "ignored-second-value"),
        ]
    )
    assert fields == {
        "service_code": "voirie",
        "attribute": {"taille": "grand", "cotes": "nord,sud"},
    }


def test_json_attributes_may_be_an_object() -> None:
    fields = collect_fields({"attribute": {"taille": 3, "liste": ["a", "b"]}}.items())
    assert fields["attribute"] == {"taille": "3", "liste": "a,b"}


def test_a_location_is_required() -> None:
    assert _errors({"service_code": "voirie", "description": "x"}) == [
        "Localisation manquante : fournissez lat et long, address_string ou address_id."
    ]


def test_lat_and_long_go_together() -> None:
    assert _errors({"service_code": "voirie", "lat": "48.8"}) == [
        "lat et long doivent être fournis ensemble."
    ]


def test_blank_fields_count_as_absent() -> None:
    request = ServiceRequestInput.model_validate(
        {"service_code": "voirie", "address_string": "1 place de la Mairie", "email": " "}
    )
    assert request.email is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "description",
            "x" * 4001,
            "description : Ce champ doit contenir au plus 4000 caractères.",
        ),
        ("email", "pas-une-adresse", "email : Adresse électronique invalide."),
        (
            "phone",
            "12",
            "phone : Numéro de téléphone invalide : « 12 » (exemple : 06 12 34 56 78).",
        ),
        ("lat", "nan", "lat : Ce champ doit être un nombre fini."),
        ("media_url", "ftp://x", "media_url : URL invalide (adresse http ou https attendue)."),
    ],
)
def test_invalid_fields_are_explained_in_french(field: str, value: str, message: str) -> None:
    fields = {"service_code": "voirie", "address_string": "1 place de la Mairie", field: value}
    if field == "lat":
        fields["long"] = "2.3"
    assert _errors(fields) == [message]


def test_a_missing_service_code_is_named() -> None:
    assert _errors({"address_id": "A1"}) == ["service_code : Ce champ est obligatoire."]


def test_attribute_codes_are_checked() -> None:
    (message,) = _errors({"service_code": "voirie", "address_id": "A1", "attribute": {"a.b": "x"}})
    assert "Code d'attribut invalide" in message


def test_the_event_carries_the_channel_location_citizen_and_open311_fields() -> None:
    request = ServiceRequestInput.model_validate(
        {
            "service_code": "eclairage",
            "lat": "48.85",
            "long": "2.35",
            "address_id": "A12",
            "first_name": "Camille",
            "last_name": "Martin",
            "phone": "06 12 34 56 78",
            "device_id": "d-1",
            "media_url": "https://img.example/1.jpg",
            "attribute": {"couleur": "orange"},
        }
    )
    draft = request_draft(request, category=CATALOGUE.categories["eclairage"], message_id="k:1")
    event = draft.to_event(**IDENTITY)
    assert event.channel is Channel.OPEN311
    assert (event.request_id, event.reference) == ("abc123", "2026-O000042")
    assert event.category == "eclairage" and event.channel_message_id == "k:1"
    assert event.description == "Signalement « Éclairage public » reçu par Open311."
    assert event.location is not None and (event.location.lat, event.location.lon) == (48.85, 2.35)
    assert event.citizen.name == "Camille Martin"
    assert event.citizen.phone == "+33612345678"
    assert event.citizen.preferred_contact is ContactPreference.SMS
    assert event.form is not None and event.form.fields == {
        "attribute:couleur": "orange",
        "address_id": "A12",
        "device_id": "d-1",
        "media_url": "https://img.example/1.jpg",
    }
    assert event.submitted_at == IDENTITY["submitted_at"]


def test_the_longest_accepted_names_still_make_a_valid_event() -> None:
    request = ServiceRequestInput.model_validate(
        {
            "service_code": "voirie",
            "address_id": "A1",
            "first_name": "C" * 80,
            "last_name": "M" * 100,
        }
    )
    draft = request_draft(request, category=CATALOGUE.categories["voirie"], message_id=None)
    event = draft.to_event(**IDENTITY)
    assert event.citizen.name == f"{'C' * 80} {'M' * 100}"
    assert event.citizen.preferred_contact is ContactPreference.NONE
