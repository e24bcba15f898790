"""Desk bodies -> RequestSubmitted / CitizenMessageReceived, and their French checks."""

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from services.desk.drafts import (
    ContactError,
    call_draft,
    citizen_of,
    follow_up_event,
    letter_draft,
    visit_draft,
)
from services.desk.schemas import CallBody, CitizenInput, FollowUpData, LetterData, VisitBody
from services.desk.telephony import CallState
from shared.auth import Agent
from shared.events import Attachment, Channel, ContactPreference
from shared.problems import french_message

AGENT = Agent(agent_id="julie-moreau", name="Julie Moreau", department="accueil")
IDENTITY = dict(
    request_id="req42",
    reference="2026-G000042",
    tracking_token_hash="a" * 64,
    submitted_at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
)
SCAN = Attachment(
    attachment_id="att1",
    filename="lettre.pdf",
    content_type="application/pdf",
    size=12,
    sha256="b" * 64,
    storage_ref="desk:attachments/att1",
)


def _messages(model: type, data: dict, **kw: object) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data, **kw)
    return {".".join(map(str, e["loc"])): french_message(dict(e)) for e in caught.value.errors()}


def test_a_visit_becomes_a_desk_request_keeping_the_agent() -> None:
    body = VisitBody.model_validate(
        {
            "category": "voirie",
            "description": "  Trottoir défoncé devant l'école  ",
            "citizen": {"name": "Camille Martin", "phone": "06 12 34 56 78", "email": ""},
            "location": {"address": "3 rue des Écoles"},
        }
    )
    citizen = citizen_of(body.citizen)
    draft = visit_draft(body=body, citizen=citizen, agent=AGENT, message_id="k1")
    event = draft.to_event(**IDENTITY)
    assert event.channel == Channel.DESK and event.reference == "2026-G000042"
    assert event.description == "Trottoir défoncé devant l'école"
    assert event.subject == "Voirie (chaussée, trottoirs, nids-de-poule)"
    assert event.citizen.phone == "+33612345678" and event.citizen.email is None
    assert event.citizen.preferred_contact == ContactPreference.SMS
    assert event.location is not None and event.location.address == "3 rue des Écoles"
    assert event.form is not None and event.form.form_type == "desk_visit"
    assert event.form.fields == {"agent_id": "julie-moreau", "agent_department": "accueil"}
    assert event.channel_message_id == "k1"


@pytest.mark.parametrize(
    ("citizen", "expected"),
    [
        ({"email": "a@example.org", "phone": "0612345678"}, ContactPreference.EMAIL),
        ({"phone": "0612345678"}, ContactPreference.SMS),
        ({"phone": "0140000000", "postal_address": "1 place de la Mairie"}, "postal"),
        ({"phone": "0140000000"}, ContactPreference.NONE),
        ({}, ContactPreference.NONE),
    ],
)
def test_the_preferred_contact_defaults_to_what_can_reach_the_citizen(
    citizen: dict, expected: str
) -> None:
    assert citizen_of(CitizenInput.model_validate(citizen)).preferred_contact == expected


@pytest.mark.parametrize(
    ("citizen", "words"),
    [
        ({"preferred_contact": "email"}, "adresse électronique"),
        ({"preferred_contact": "sms", "phone": "01 40 00 00 00"}, "mobile"),
        ({"preferred_contact": "postal"}, "adresse postale"),
        ({"preferred_contact": "facebook"}, "Facebook"),
    ],
)
def test_an_unusable_preferred_contact_is_refused_in_french(citizen: dict, words: str) -> None:
    with pytest.raises(ContactError, match=words):
        citizen_of(CitizenInput.model_validate(citizen))


def test_visit_checks_speak_french() -> None:
    errors = _messages(
        VisitBody,
        {
            "category": "piscine",
            "description": "",
            "citizen": {"phone": "12", "email": "pas-une-adresse"},
            "location": {"lat": 48.8},
            "unknown": 1,
        },
    )
    assert errors["category"].startswith("Catégorie inconnue : « piscine »")
    assert errors["description"] == "Ce champ est obligatoire."
    assert (
        errors["citizen.phone"]
        == "Numéro de téléphone invalide : « 12 » (exemple : 06 12 34 56 78)."
    )
    assert errors["citizen.email"] == "Adresse électronique invalide."
    assert errors["location"] == "lat et lon doivent être fournis ensemble."
    assert errors["unknown"] == "Ce champ n'est pas attendu."


def test_a_logged_call_records_the_number_and_timing_from_the_telephony() -> None:
    body = CallBody.model_validate(
        {"category": "eclairage", "description": "Lampadaire éteint", "call_id": "c-7"}
    )
    call = CallState(
        call_id="c-7",
        from_number="+33612345678",
        started_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        answered_at=datetime(2026, 3, 2, 9, 0, 10, tzinfo=UTC),
        ended_at=datetime(2026, 3, 2, 9, 4, 40, tzinfo=UTC),
        agent="poste-12",
    )
    citizen = citizen_of(body.citizen, fallback_phone=call.from_number)
    event = call_draft(
        body=body, citizen=citizen, agent=AGENT, message_id="call:c-7", call=call
    ).to_event(**IDENTITY)
    assert event.channel == Channel.PHONE and event.citizen.phone == "+33612345678"
    assert event.form is not None and event.form.form_type == "phone_call"
    fields = event.form.fields
    assert fields["call_id"] == "c-7" and fields["caller_number"] == "+33612345678"
    assert fields["call_duration_s"] == 270 and fields["call_state"] == "ended"
    assert fields["call_started_at"] == "2026-03-02T09:00:00+00:00"
    assert fields["agent_id"] == "julie-moreau" and fields["call_agent"] == "poste-12"


def test_the_number_the_agent_typed_wins_over_the_caller_id() -> None:
    body = CallBody.model_validate(
        {
            "category": "voirie",
            "description": "x",
            "caller_number": "+33 7 81 23 45 67",
            "citizen": {"phone": "06 98 76 54 32"},
        }
    )
    event = call_draft(
        body=body, citizen=citizen_of(body.citizen), agent=AGENT, message_id=None, call=None
    ).to_event(**IDENTITY)
    assert event.citizen.phone == "+33698765432"
    assert event.form is not None and event.form.fields["caller_number"] == "+33781234567"
    assert "call_state" not in event.form.fields


def _letter(**overrides: object) -> dict:
    data: dict = {
        "sender": {"name": "M. Dupont", "postal_address": "4 rue Haute, 75000 Ville"},
        "date_received": "2026-03-01",
        "summary": "Demande de rendez-vous pour un permis de construire.",
    }
    data.update(overrides)
    return data


def test_a_letter_becomes_a_postal_request_with_its_scan_and_raw_original() -> None:
    data = LetterData.model_validate(_letter(), context={"today": date(2026, 3, 2)})
    event = letter_draft(
        data=data,
        citizen=citizen_of(data.sender),
        agent=AGENT,
        message_id=None,
        scan=SCAN,
        raw_ref="desk:raw/r1",
    ).to_event(**IDENTITY)
    assert event.channel == Channel.POSTAL and event.attachments == [SCAN]
    assert event.raw_ref == "desk:raw/r1"
    assert event.description.startswith("Demande de rendez-vous")
    assert event.subject == "Courrier reçu le 01/03/2026"
    assert event.citizen.preferred_contact == ContactPreference.POSTAL
    assert event.form is not None and event.form.fields["date_received"] == "2026-03-01"


def test_a_letter_cannot_be_received_in_the_future_nor_without_a_sender_address() -> None:
    errors = _messages(
        LetterData,
        _letter(date_received="2026-03-03", sender={"name": "X"}),
        context={"today": date(2026, 3, 2)},
    )
    assert errors["date_received"] == "La date de réception ne peut pas être dans le futur."
    assert errors["sender.postal_address"] == "Ce champ est obligatoire."
    assert _messages(LetterData, _letter(date_received="hier"))["date_received"].startswith(
        "Date invalide"
    )


def test_a_follow_up_is_a_citizen_message_on_the_found_request() -> None:
    data = FollowUpData.model_validate({"text": "Je rappelle pour mon dossier", "channel": "phone"})
    event = follow_up_event(
        request_id="req9",
        reference="2026-P000009",
        data=data,
        message_id="julie-moreau:k",
        attachments=[],
        raw_ref=None,
        received_at=IDENTITY["submitted_at"],
    )
    assert (event.request_id, event.reference, event.channel) == (
        "req9",
        "2026-P000009",
        Channel.PHONE,
    )
    assert event.text == "Je rappelle pour mon dossier"
    assert _messages(FollowUpData, {"text": "x", "channel": "email"})["channel"].startswith(
        "Valeur non autorisée"
    )
