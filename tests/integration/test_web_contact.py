"""The website's contact form over real HTTP, Kafka and the store."""

import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import pytest

from shared.catalogue import load_catalogue
from shared.events import Channel, ContactPreference, RequestSubmitted
from shared.intake import hash_token
from tests.integration.test_web_support import RunningWeb, running_web, web_settings
from tests.support import eventually

FORM = {"content-type": "application/x-www-form-urlencoded"}


@pytest.fixture
async def web(topic_prefix: str) -> AsyncIterator[RunningWeb]:
    async with running_web(web_settings(topic_prefix, contact_rate_limit="3/minute")) as running:
        yield running


def contact(**overrides: Any) -> dict[str, Any]:
    fields = {
        "name": "Léa Garnier",
        "email": "lea.garnier@example.org",
        "phone": "01 23 45 67 89",
        "subject": "Bruit nocturne",
        "message": "Un bar de la rue Pasteur diffuse de la musique très fort après minuit.",
        "category": "tranquillite_publique",
    }
    fields.update(overrides)
    return fields


def from_address(ip: str) -> dict[str, str]:
    """The client address a reverse proxy on 127.0.0.1 reports (uvicorn trusts it)."""
    return {"x-forwarded-for": ip}


async def test_json_form_becomes_exactly_one_request(web: RunningWeb) -> None:
    response = await web.client.post("/v1/contact", json=contact())
    assert response.status_code == 202, response.text
    answer = response.json()
    assert re.fullmatch(r"\d{4}-F\d{6}", answer["reference"])
    assert answer["reference"] in answer["message"]
    [event] = await web.events()
    request = event.data
    assert isinstance(request, RequestSubmitted)
    assert request.request_id == answer["id"]
    assert request.channel == Channel.CONTACT_FORM
    assert request.tracking_token_hash == hash_token(answer["tracking_token"])
    assert request.subject == "Bruit nocturne"
    assert request.category == "tranquillite_publique"
    assert request.description.startswith("Un bar de la rue Pasteur")
    assert request.citizen.name == "Léa Garnier"
    assert request.citizen.email == "lea.garnier@example.org"
    assert request.citizen.phone == "+33123456789"
    assert request.citizen.preferred_contact == ContactPreference.EMAIL
    raw = await web.db["raw_originals"].find_one({"_id": (request.raw_ref or "").rsplit("/")[-1]})
    assert raw is not None and bytes(raw["content"]) == response.request.content


async def test_html_form_post_is_accepted(web: RunningWeb) -> None:
    fields = contact(phone="", subject="", category="", envoyer="Envoyer")
    body = urlencode(fields).encode()
    response = await web.client.post("/v1/contact", content=body, headers=FORM)
    assert response.status_code == 202, response.text
    [event] = await web.events()
    request = event.data
    assert isinstance(request, RequestSubmitted)
    assert request.citizen.name == "Léa Garnier"
    assert request.citizen.phone is None
    assert request.subject is None and request.category is None
    assert request.description == fields["message"]


async def test_honeypot_is_answered_but_nothing_is_published(web: RunningWeb) -> None:
    body = urlencode(contact(website="http://promo.example")).encode()
    response = await web.client.post("/v1/contact", content=body, headers=FORM)
    assert response.status_code == 202
    assert response.json() == {"message": "Votre message a bien été envoyé."}
    as_json = await web.client.post("/v1/contact", json=contact(website="x"))
    assert as_json.status_code == 202
    assert await web.events() == []
    assert await web.db["raw_originals"].count_documents({}) == 0
    metrics = (await web.client.get("/metrics")).text
    assert re.search(r'relais_web_contact_discarded_total\{reason="honeypot"\} [1-9]', metrics)


async def test_rate_limit_per_client_address(web: RunningWeb) -> None:
    first_ip, second_ip = from_address("203.0.113.7"), from_address("198.51.100.20")
    for _ in range(3):
        ok = await web.client.post("/v1/contact", json=contact(), headers=first_ip)
        assert ok.status_code == 202
    refused = await web.client.post("/v1/contact", json=contact(), headers=first_ip)
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.json()["title"] == "Trop de requêtes"
    assert "réessayez dans" in refused.json()["detail"]
    other = await web.client.post("/v1/contact", json=contact(), headers=second_ip)
    assert other.status_code == 202
    assert len(await web.events()) == 4


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"message": "Bonjour"},
            {"email": "Ce champ est obligatoire."},
        ),
        (
            contact(email="pas-une-adresse", message="x" * 5001),
            {
                "email": "Adresse électronique invalide.",
                "message": "Ce champ doit contenir au plus 5000 caractères.",
            },
        ),
        (
            contact(message="   ", phone="12"),
            {
                "message": "Ce champ est obligatoire.",
                "phone": "Numéro de téléphone invalide : « 12 » (exemple : 06 12 34 56 78).",
            },
        ),
        (
            contact(name=42),
            {"name": "Ce champ doit être un texte."},
        ),
    ],
)
async def test_invalid_forms_get_french_field_errors(
    web: RunningWeb, fields: dict[str, Any], errors: dict[str, str]
) -> None:
    response = await web.client.post("/v1/contact", json=fields)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert {e["field"]: e["message"] for e in response.json()["errors"]} == errors
    assert await web.events() == []


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b"{pas du json", "application/json", 400),
        (b"[1, 2]", "application/json", 400),
        (b"message=bonjour", "text/plain", 415),
        (b"email=%FF%FE", "application/x-www-form-urlencoded", 400),
    ],
)
async def test_unreadable_bodies_are_refused(
    web: RunningWeb, content: bytes, content_type: str, status: int
) -> None:
    response = await web.client.post(
        "/v1/contact", content=content, headers={"content-type": content_type}
    )
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert await web.events() == []


async def test_oversized_body_is_refused_early(topic_prefix: str) -> None:
    async with running_web(web_settings(topic_prefix, max_body_bytes=10_000)) as web:
        response = await web.client.post("/v1/contact", json=contact(message="é" * 6000))
        assert response.status_code == 413

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(20):
                yield b"x" * 1000

        chunked = await web.client.post(
            "/v1/contact", content=chunks(), headers={"content-type": "application/json"}
        )
        assert chunked.status_code == 413
        assert await web.events() == []


async def test_categories_list_the_catalogue(web: RunningWeb) -> None:
    response = await web.client.get("/v1/contact/categories")
    assert response.status_code == 200
    listed = {item["code"]: item["label"] for item in response.json()}
    assert listed == {c.code: c.label for c in load_catalogue().categories.values()}


async def test_service_reports_ready(web: RunningWeb) -> None:
    async def ready() -> bool:
        return (await web.client.get("/readyz")).status_code == 200

    await eventually(ready)


async def test_browsers_of_allowed_origins_may_post(topic_prefix: str) -> None:
    site = "https://www.ville-exemple.fr"
    settings = web_settings(topic_prefix, contact_allowed_origins=f"{site}, https://autre.example")
    async with running_web(settings) as web:
        preflight = await web.client.options(
            "/v1/contact",
            headers={
                "origin": site,
                "access-control-request-method": "POST",
                "access-control-request-headers": "content-type",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == site
        posted = await web.client.post("/v1/contact", json=contact(), headers={"origin": site})
        assert posted.status_code == 202
        assert posted.headers["access-control-allow-origin"] == site
        elsewhere = await web.client.post(
            "/v1/contact", json=contact(), headers={"origin": "https://intrus.example"}
        )
        assert "access-control-allow-origin" not in elsewhere.headers
