"""Visits, calls and scanned letters through the real desk app, broker and store."""

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from bson import Binary

from shared.auth import Agent, issue_token
from shared.blobs import ATTACHMENTS, RAW
from shared.events import Channel, ContactPreference, RequestSubmitted
from shared.intake import hash_token
from shared.mongo import connect
from tests.conftest import MONGODB_URI
from tests.integration.desk_support import (
    AGENT_SECRET,
    JULIE,
    PDF,
    RunningDesk,
    agent_headers,
    desk_settings,
    letter_files,
    published,
    running_desk,
)

VISIT = {
    "category": "voirie",
    "description": "Trottoir défoncé devant l'école Jules-Ferry",
    "citizen": {"name": "Camille Martin", "phone": "06 12 34 56 78"},
    "location": {"address": "3 rue des Écoles"},
}
LETTER = {
    "sender": {"name": "Marcel Dupont", "postal_address": "4 rue Haute, 75000 Ville"},
    "date_received": "2026-01-05",
    "category": "urbanisme",
    "summary": "Demande d'information sur un permis de construire.",
}


@pytest.fixture
async def desk(topic_prefix: str) -> AsyncIterator[RunningDesk]:
    async with running_desk(desk_settings(topic_prefix)) as running:
        yield running


def _submitted(events: list) -> list[RequestSubmitted]:
    return [e.data for e in events if isinstance(e.data, RequestSubmitted)]


async def test_a_visit_is_published_once_per_idempotency_key(desk: RunningDesk) -> None:
    headers = agent_headers() | {"Idempotency-Key": "visite-1"}
    first = await desk.client.post("/v1/visits", json=VISIT, headers=headers)
    again = await desk.client.post("/v1/visits", json=VISIT, headers=headers)
    other_agent = Agent(agent_id="paul-durand", name="Paul Durand", department="accueil")
    other = await desk.client.post(
        "/v1/visits",
        json=VISIT,
        headers=agent_headers(other_agent) | {"Idempotency-Key": "visite-1"},
    )
    assert first.status_code == again.status_code == other.status_code == 202, first.text
    accepted = first.json()
    assert again.json() == accepted and again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert other.json()["reference"] != accepted["reference"]
    assert accepted["reference"][4:6] == "-G" and accepted["reference"] in accepted["message"]
    assert accepted["status_url"] == f"http://suivi.example/demandes/{accepted['reference']}"

    events = _submitted(await published(desk.topic))
    assert sorted(e.reference for e in events) == sorted(
        [accepted["reference"], other.json()["reference"]]
    )
    event = next(e for e in events if e.request_id == accepted["id"])
    assert event.channel == Channel.DESK and event.category == "voirie"
    assert event.tracking_token_hash == hash_token(accepted["tracking_token"])
    assert event.citizen.phone == "+33612345678"
    assert event.citizen.preferred_contact == ContactPreference.SMS
    assert event.form is not None and event.form.fields["agent_id"] == "julie-moreau"
    assert event.form.fields["agent_department"] == "accueil"
    assert event.channel_message_id == "julie-moreau:visite-1"


async def test_a_call_logged_twice_with_its_call_id_is_one_request(desk: RunningDesk) -> None:
    call = {**VISIT, "category": "eclairage", "call_id": "1712.42", "caller_number": "0612345678"}
    answers = [
        await desk.client.post(
            "/v1/calls", json=call, headers=agent_headers() | {"Idempotency-Key": key}
        )
        for key in ("a", "b")
    ]
    assert [a.status_code for a in answers] == [202, 202], answers[0].text
    assert answers[0].json()["reference"] == answers[1].json()["reference"]
    assert answers[0].json()["reference"][4:6] == "-T"
    events = _submitted(await published(desk.topic))
    assert len(events) == 1
    event = events[0]
    assert event.channel == Channel.PHONE and event.channel_message_id == "call:1712.42"
    assert event.form is not None and event.form.form_type == "phone_call"
    assert event.form.fields["call_id"] == "1712.42"
    assert event.form.fields["caller_number"] == "+33612345678"


async def test_calls_without_call_id_are_separate_requests(desk: RunningDesk) -> None:
    for _ in range(2):
        answer = await desk.client.post("/v1/calls", json=VISIT, headers=agent_headers())
        assert answer.status_code == 202, answer.text
    events = _submitted(await published(desk.topic))
    assert [e.channel for e in events] == [Channel.PHONE, Channel.PHONE]
    assert len({e.reference for e in events}) == 2


async def test_a_scanned_letter_keeps_its_scan_and_its_raw_upload(desk: RunningDesk) -> None:
    headers = agent_headers() | {"Idempotency-Key": "courrier-1"}
    files = letter_files(json.dumps(LETTER))
    first = await desk.client.post("/v1/letters", files=files, headers=headers)
    again = await desk.client.post("/v1/letters", files=files, headers=headers)
    assert first.status_code == again.status_code == 202, first.text
    assert first.json() == again.json() and first.json()["reference"][4:6] == "-C"

    events = _submitted(await published(desk.topic))
    assert len(events) == 1
    event = events[0]
    assert event.channel == Channel.POSTAL and event.category == "urbanisme"
    assert event.citizen.name == "Marcel Dupont"
    assert event.citizen.preferred_contact == ContactPreference.POSTAL
    assert event.form is not None and event.form.fields["date_received"] == "2026-01-05"
    (scan,) = event.attachments
    assert (scan.filename, scan.content_type, scan.size) == (
        "lettre.pdf",
        "application/pdf",
        len(PDF),
    )

    client = connect(uri=MONGODB_URI)
    try:
        db = client[desk.settings.database_name]
        stored = await db[ATTACHMENTS].find({}).to_list()
        assert len(stored) == 1 and bytes(stored[0]["content"]) == PDF  # no copy on redelivery
        assert event.raw_ref is not None
        raw = await db[RAW].find_one({"_id": event.raw_ref.rsplit("/", 1)[-1]})
        assert raw is not None and isinstance(raw["content"], bytes | Binary)
        assert PDF in bytes(raw["content"]) and b"Marcel Dupont" in bytes(raw["content"])
        assert raw["content_type"].startswith("multipart/form-data")
    finally:
        await client.close()


@pytest.mark.parametrize(
    ("files", "status", "words"),
    [
        (
            letter_files(json.dumps(LETTER), scan=b"bonjour", kind="text/plain"),
            415,
            "n'est pas accepté",
        ),
        (letter_files(json.dumps(LETTER), scan=b"\x89PNG\r\n\x1a\nxx"), 415, "ne correspond pas"),
        (letter_files(json.dumps(LETTER), scan=b"%PDF-" + b"0" * 3000), 413, "dépasse"),
        (letter_files(json.dumps(LETTER), scan=b""), 422, "vide"),
        (letter_files(json.dumps({**LETTER, "date_received": "2099-01-01"})), 422, "futur"),
        (letter_files("{pas du json"), 422, "JSON"),
        ({"data": (None, json.dumps(LETTER))}, 422, "invalides"),
    ],
)
async def test_refused_letters_get_a_french_problem_and_publish_nothing(
    topic_prefix: str, files: dict, status: int, words: str
) -> None:
    async with running_desk(desk_settings(topic_prefix, max_scan_bytes=2048)) as desk:
        answer = await desk.client.post("/v1/letters", files=files, headers=agent_headers())
        assert answer.status_code == status, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert words in json.dumps(answer.json(), ensure_ascii=False)
        assert await published(desk.topic) == []


async def test_a_letter_must_be_multipart(desk: RunningDesk) -> None:
    answer = await desk.client.post("/v1/letters", json=LETTER, headers=agent_headers())
    assert answer.status_code == 415
    assert "multipart/form-data" in answer.json()["detail"]


async def test_agents_need_a_valid_token_before_anything_is_read(desk: RunningDesk) -> None:
    expired = issue_token(agent=JULIE, secret=AGENT_SECRET, ttl=timedelta(seconds=-5))
    cases = {
        "absent": ({}, "requise"),
        "forged": (agent_headers(secret="pas-le-bon-secret-pas-le-bon-secret"), "invalide"),
        "expired": ({"authorization": f"Bearer {expired}"}, "expiré"),
        "not bearer": ({"authorization": "Basic dXNlcjpwYXNz"}, "requise"),
    }
    routes = ["/v1/visits", "/v1/calls", "/v1/letters", "/v1/requests/2026-G000001/messages"]
    for name, (headers, words) in cases.items():
        for route in routes:
            answer = await desk.client.post(route, content=b"{broken", headers=headers)
            assert answer.status_code == 401, (name, route, answer.text)
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert answer.headers["www-authenticate"] == "Bearer"
            assert words in answer.json()["detail"], (name, answer.json())
    assert await published(desk.topic) == []


async def test_invalid_visits_are_refused_field_by_field_in_french(desk: RunningDesk) -> None:
    body = {"category": "piscine", "description": " ", "citizen": {"preferred_contact": "email"}}
    answer = await desk.client.post("/v1/visits", json=body, headers=agent_headers())
    assert answer.status_code == 422
    fields = {e["field"]: e["message"] for e in answer.json()["errors"]}
    assert fields["category"].startswith("Catégorie inconnue")
    assert fields["description"] == "Ce champ est obligatoire."
    contact = await desk.client.post(
        "/v1/visits",
        json={**VISIT, "citizen": {"preferred_contact": "email"}},
        headers=agent_headers(),
    )
    assert contact.status_code == 422
    assert contact.json()["errors"] == [
        {
            "field": "citizen.preferred_contact",
            "message": "Contact par courriel choisi : indiquez l'adresse électronique.",
        }
    ]
    assert await published(desk.topic) == []


async def test_framework_errors_are_french_problems_too(desk: RunningDesk) -> None:
    unreadable = await desk.client.post(
        "/v1/telephony/events",
        content=b"\xff",
        headers={
            "X-Telephony-Secret": desk.settings.telephony_webhook_secret,
            "content-type": "application/json",
        },
    )
    assert unreadable.status_code == 400
    assert unreadable.json()["detail"] == "Corps de la requête illisible (JSON UTF-8 attendu)."
    missing = await desk.client.get("/v1/nulle-part")
    assert (missing.status_code, missing.json()["detail"]) == (404, "Ressource introuvable.")
    assert missing.headers["content-type"].startswith("application/problem+json")
    wrong = await desk.client.get("/v1/visits", headers=agent_headers())
    assert wrong.status_code == 405 and "Méthode" in wrong.json()["detail"]
