"""The portal adapter over real HTTP, Kafka and the store."""

import hashlib
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from pymongo.asynchronous.database import AsyncDatabase

from services.portal.app import build_app
from services.portal.forms import today
from services.portal.settings import PortalSettings
from shared.blobs import ATTACHMENTS, RAW
from shared.envelope import Envelope
from shared.events import Channel, RequestSubmitted
from shared.intake import hash_token
from shared.kafka.topics import REQUESTS, topic_specs
from shared.mongo import Document, connect
from tests.conftest import KAFKA, MONGODB_URI, dropped, namespaced
from tests.support import published, serve_app

PARTITIONS = next(s.partitions for s in topic_specs() if s.name == REQUESTS)
TRACKING = "https://demarches.ville.example/suivi/{reference}"
REQUEST = {
    "category": "voirie",
    "subject": "Nid-de-poule rue des Lilas",
    "description": "Un nid-de-poule dangereux devant le 12 rue des Lilas.",
    "citizen": {
        "email": "camille.martin@example.org",
        "name": "Camille Martin",
        "phone": "06 12 34 56 78",
    },
    "location": {"address": "12 rue des Lilas", "lat": 48.85, "lon": 2.35},
}
APPLICATION = {
    "job_reference": "RH-2026-07",
    "first_name": "Yanis",
    "last_name": "Benali",
    "email": "yanis@example.org",
    "motivation": "Je souhaite rejoindre les services techniques.",
}
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def _settings(prefix: str, **overrides: Any) -> PortalSettings:
    fields = namespaced(prefix, "portal") | {"public_tracking_url": TRACKING}
    return PortalSettings(**(fields | overrides))


@dataclass
class Portal:
    http: httpx.AsyncClient
    topic: str
    db: AsyncDatabase[Document]
    settings: PortalSettings

    async def events(self) -> list[Envelope]:
        """Every event on the topic, read up to the current end of the log."""
        return await published(KAFKA, self.topic)

    async def submitted(self, request_id: str) -> RequestSubmitted:
        found = [e.data for e in await self.events() if e.data.request_id == request_id]
        assert len(found) == 1, found
        assert isinstance(found[0], RequestSubmitted)
        return found[0]


@pytest.fixture
async def portal(topic_prefix: str) -> AsyncIterator[Portal]:
    async with running_portal(_settings(topic_prefix)) as running:
        yield running


@asynccontextmanager
async def running_portal(settings: PortalSettings) -> AsyncIterator[Portal]:
    """The portal under uvicorn; its database is dropped afterwards."""
    client = connect(uri=MONGODB_URI)
    try:
        async with (
            dropped(settings.database_name),
            serve_app(build_app(settings)) as base,
            httpx.AsyncClient(base_url=base, timeout=15) as http,
        ):
            topic = settings.topic_prefix + REQUESTS
            yield Portal(http, topic, client[settings.database_name], settings)
    finally:
        await client.close()


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


async def test_a_request_is_answered_202_with_its_reference_once_on_the_log(
    portal: Portal,
) -> None:
    response = await portal.http.post("/v1/requests", json=REQUEST)
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert set(accepted) == {"id", "reference", "tracking_token", "status_url", "message"}
    assert accepted["reference"].startswith(("2026-P", "2027-P"))
    assert accepted["status_url"] == TRACKING.format(reference=accepted["reference"])
    assert accepted["tracking_token"] not in accepted["status_url"]
    assert accepted["reference"] in accepted["message"] and "enregistrée" in accepted["message"]

    event = await portal.submitted(accepted["id"])
    assert event.reference == accepted["reference"]
    assert event.channel is Channel.PORTAL
    assert event.category == "voirie"
    assert event.subject == REQUEST["subject"]
    assert event.citizen.email == "camille.martin@example.org"
    assert event.citizen.phone == "+33612345678"
    assert event.location is not None and event.location.lat == 48.85
    assert event.tracking_token_hash == hash_token(accepted["tracking_token"])
    assert event.channel_message_id is None
    raw = await portal.db[RAW].find_one({"_id": str(event.raw_ref).rsplit("/", 1)[-1]})
    assert raw is not None and json.loads(raw["content"]) == REQUEST


async def test_the_same_idempotency_key_gives_the_same_request_once(portal: Portal) -> None:
    key = {"Idempotency-Key": f"essai-{uuid.uuid4()}"}
    first = await portal.http.post("/v1/requests", json=REQUEST, headers=key)
    again = await portal.http.post("/v1/requests", json=REQUEST, headers=key)
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    other = await portal.http.post("/v1/requests", json=REQUEST)
    assert other.json()["reference"] != first.json()["reference"]

    submitted = [e.data for e in await portal.events() if isinstance(e.data, RequestSubmitted)]
    assert sorted(e.request_id for e in submitted) == sorted(
        [first.json()["id"], other.json()["id"]]
    )
    assert next(e for e in submitted if e.request_id == first.json()["id"]).channel_message_id


async def test_invalid_requests_are_explained_in_french_and_not_published(portal: Portal) -> None:
    body = REQUEST | {"category": "licornes", "citizen": {"email": "nope", "phone": "123"}}
    problem = _problem(await portal.http.post("/v1/requests", json=body), 422)
    assert problem["detail"] == "La demande contient des données invalides."
    messages = {e["field"]: e["message"] for e in problem["errors"]}
    assert messages["category"].startswith("Catégorie inconnue : « licornes »")
    assert messages["citizen.email"] == "Adresse électronique invalide."
    assert messages["citizen.phone"].startswith("Numéro de téléphone invalide")
    missing = _problem(await portal.http.post("/v1/requests", json={"category": "voirie"}), 422)
    assert {e["field"]: e["message"] for e in missing["errors"]} == {
        "description": "Ce champ est obligatoire.",
        "citizen": "Ce champ est obligatoire.",
    }
    too_long = _problem(
        await portal.http.post(
            "/v1/requests", json=REQUEST, headers={"Idempotency-Key": "k" * 201}
        ),
        422,
    )
    assert too_long["errors"][0]["field"] == "Idempotency-Key"
    not_json = await portal.http.post("/v1/requests", content=b"bonjour")
    assert _problem(not_json, 415)["detail"].endswith("application/json attendu.")
    assert await portal.events() == []


async def test_oversized_bodies_are_refused_before_being_read(portal: Portal) -> None:
    big = REQUEST | {"description": "x" * 70_000}
    problem = _problem(await portal.http.post("/v1/requests", json=big), 413)
    assert problem["detail"] == "Le contenu dépasse la taille maximale autorisée (64 Kio)."

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b" " * 8192

    chunked = await portal.http.post(
        "/v1/requests", content=chunks(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in chunked.request.headers
    _problem(chunked, 413)
    assert await portal.events() == []


async def test_categories_and_forms_are_listed_in_french(portal: Portal) -> None:
    categories = (await portal.http.get("/v1/categories")).json()
    assert {"code": "voirie", "label": "Voirie (chaussée, trottoirs, nids-de-poule)"} in categories
    forms = {f["form_type"]: f for f in (await portal.http.get("/v1/forms")).json()}
    assert set(forms) == {
        "inscription_scolaire",
        "occupation_domaine_public",
        "candidature",
        "demande_generale",
    }
    school = forms["inscription_scolaire"]
    assert school["title"] == "Inscription scolaire"
    assert school["json_schema"]["properties"]["school_level"]["enum"][0] == "PS"
    assert "child_birth_date" in school["json_schema"]["required"]
    assert forms["candidature"]["attachments"] == "obligatoires"
    assert "application/pdf" in forms["candidature"]["accepted_types"]


async def test_a_school_enrolment_form_becomes_an_education_request(portal: Portal) -> None:
    birth = today().replace(year=today().year - 7) - timedelta(days=3)
    form = {
        "child_first_name": "Léa",
        "child_last_name": "Martin",
        "child_birth_date": birth.isoformat(),
        "school_level": "CE1",
        "parent": {"name": "Camille Martin", "email": "camille.martin@example.org"},
        "address": "12 rue des Lilas",
    }
    response = await portal.http.post("/v1/forms/inscription_scolaire", json=form)
    assert response.status_code == 202, response.text
    event = await portal.submitted(response.json()["id"])
    assert event.category == "inscription_scolaire"
    assert event.form is not None and event.form.form_type == "inscription_scolaire"
    assert event.form.fields["child_birth_date"] == birth.isoformat()
    assert event.form.fields["parent_email"] == "camille.martin@example.org"
    assert "inscription scolaire en CE1 pour Léa Martin" in event.description
    assert event.raw_ref is not None

    invalid = form | {"child_birth_date": today().isoformat()}
    problem = _problem(await portal.http.post("/v1/forms/inscription_scolaire", json=invalid), 422)
    assert problem["errors"] == [
        {
            "field": "child_birth_date",
            "message": "L'enfant doit avoir entre 2 et 12 ans pour une inscription scolaire.",
        }
    ]
    unknown = _problem(await portal.http.post("/v1/forms/permis_de_chasse", json={}), 404)
    assert unknown["detail"].startswith("Formulaire inconnu")


async def test_a_job_application_carries_its_cv(portal: Portal) -> None:
    response = await portal.http.post(
        "/v1/forms/candidature",
        data={"data": json.dumps(APPLICATION)},
        files=[("files", ("cv.pdf", PDF, "application/pdf"))],
        headers={"Idempotency-Key": f"cv-{uuid.uuid4()}"},
    )
    assert response.status_code == 202, response.text
    event = await portal.submitted(response.json()["id"])
    assert event.category == "candidature"
    assert event.subject == "Candidature à l'offre RH-2026-07"
    assert event.form is not None and event.form.fields["job_reference"] == "RH-2026-07"
    [cv] = event.attachments
    assert (cv.filename, cv.content_type, cv.size) == ("cv.pdf", "application/pdf", len(PDF))
    assert cv.sha256 == hashlib.sha256(PDF).hexdigest()
    stored = await portal.db[ATTACHMENTS].find_one({"_id": cv.attachment_id})
    assert stored is not None and bytes(stored["content"]) == PDF
    raw = await portal.db[RAW].find_one({"_id": str(event.raw_ref).rsplit("/", 1)[-1]})
    assert raw is not None and json.loads(raw["content"]) == APPLICATION


async def test_a_job_application_without_an_acceptable_cv_is_refused(portal: Portal) -> None:
    without = _problem(await portal.http.post("/v1/forms/candidature", json=APPLICATION), 422)
    assert without["detail"] == "Le CV est obligatoire (fichier PDF, ODT ou DOCX)."
    photo = await portal.http.post(
        "/v1/forms/candidature",
        data={"data": json.dumps(APPLICATION)},
        files=[("files", ("cv.png", b"\x89PNG\r\n", "image/png"))],
    )
    assert "« cv.png »" in _problem(photo, 415)["detail"]
    fake = await portal.http.post(
        "/v1/forms/candidature",
        data={"data": json.dumps(APPLICATION)},
        files=[("files", ("cv.pdf", b"MZ\x90\x00", "application/pdf"))],
    )
    assert _problem(fake, 415)["detail"].endswith("n'est pas un fichier PDF valide.")
    stray = await portal.http.post(
        "/v1/forms/candidature",
        data={"data": json.dumps(APPLICATION), "surprise": "1"},
        files=[("files", ("cv.pdf", PDF, "application/pdf"))],
    )
    assert _problem(stray, 422)["errors"][0]["field"] == "surprise"
    big = await portal.http.post(
        "/v1/forms/candidature",
        data={"data": json.dumps(APPLICATION)},
        files=[("files", ("cv.pdf", PDF + b"\0" * (10 * 1048576), "application/pdf"))],
    )
    assert "dépasse 10 Mio" in _problem(big, 413)["detail"]
    assert await portal.events() == []


async def test_broker_down_answers_503_and_the_retry_publishes_once(
    portal: Portal, topic_prefix: str
) -> None:
    down = build_app(
        _settings(
            topic_prefix,
            mongodb_database=portal.settings.mongodb_database,
            kafka_bootstrap_servers="127.0.0.1:1",
            publish_timeout_s=1,
        )
    )
    key = {"Idempotency-Key": f"panne-{uuid.uuid4()}"}
    async with serve_app(down) as base, httpx.AsyncClient(base_url=base, timeout=15) as http:
        refused = await http.post("/v1/requests", json=REQUEST, headers=key)
        problem = _problem(refused, 503)
        assert refused.headers["Retry-After"] == "5"
        assert "n'a pas été enregistrée" in problem["detail"]
        assert "reference" not in problem
    assert await portal.events() == []

    retried = await portal.http.post("/v1/requests", json=REQUEST, headers=key)
    assert retried.status_code == 202, retried.text
    await portal.submitted(retried.json()["id"])
    assert len(await portal.events()) == 1
