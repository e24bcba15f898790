"""The Open311 adapter over real HTTP, Kafka and the store."""

import uuid
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio

from services.open311.app import build_app
from services.open311.settings import Open311Settings
from shared.envelope import Envelope
from shared.events import (
    Channel,
    Department,
    Location,
    RequestRouted,
    RequestStatus,
    RequestStatusChanged,
    RequestSubmitted,
)
from shared.kafka.producer import EventPublisher
from shared.kafka.topics import REQUESTS, topic_specs
from tests.conftest import KAFKA, dropped, namespaced
from tests.factories import submitted
from tests.support import eventually, fresh_topics, published, serve_app

KEY = "cle-de-test-open311"
PARTITIONS = next(s.partitions for s in topic_specs() if s.name == REQUESTS)
PLACE = {"lat": "48.8566", "long": "2.3522"}


@dataclass
class Open311:
    http: httpx.AsyncClient
    publisher: EventPublisher
    topic: str

    async def post(self, fmt: str = "json", **fields: Any) -> httpx.Response:
        headers = fields.pop("headers", None)
        return await self.http.post(f"/requests.{fmt}", data=fields, headers=headers)

    async def events_of(self, request_id: str) -> list[Envelope]:
        """Every event of the request on the topic, read up to the current end of the log."""
        return [e for e in await published(KAFKA, self.topic) if e.key == request_id]

    async def publish(self, event: Any) -> None:
        await self.publisher.publish(Envelope(data=event, source="/relais/tests"))

    async def request(self, reference: str) -> dict[str, Any] | None:
        response = await self.http.get(f"/requests/{reference}.json")
        return response.json()[0] if response.status_code == 200 else None


def _settings(prefix: str, **overrides: Any) -> Open311Settings:
    keys = {"open311_api_keys": f"autre-cle,{KEY}"}
    return Open311Settings(**(namespaced(prefix, "open311") | keys | overrides))


@pytest_asyncio.fixture(scope="module")
async def open311() -> AsyncIterator[Open311]:
    async with fresh_topics(KAFKA) as prefix:
        settings = _settings(prefix)
        publisher = EventPublisher(bootstrap_servers=KAFKA, topic=prefix + REQUESTS)
        await publisher.start()
        try:
            async with (
                dropped(settings.database_name),
                serve_app(build_app(settings)) as base,
                httpx.AsyncClient(base_url=f"{base}/open311/v2", timeout=15) as http,
            ):
                yield Open311(http=http, publisher=publisher, topic=prefix + REQUESTS)
        finally:
            await publisher.stop()


def _errors(response: httpx.Response) -> list[tuple[str, str]]:
    root = ET.fromstring(response.content)
    assert root.tag == "errors"
    return [(e.findtext("code") or "", e.findtext("description") or "") for e in root]


async def test_services_are_listed_in_json_and_xml(open311: Open311) -> None:
    as_json = await open311.http.get("/services.json")
    assert as_json.status_code == 200
    assert as_json.headers["content-type"] == "application/json"
    services = {s["service_code"]: s for s in as_json.json()}
    assert services["eclairage"]["group"] == "Services techniques"
    assert services["eclairage"]["type"] == "realtime"
    assert services["eclairage"]["metadata"] is False
    assert "etat_civil" not in services  # personal matters are not offered on a public API
    as_xml = await open311.http.get("/services.xml")
    assert as_xml.headers["content-type"].startswith("application/xml")
    assert as_xml.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(as_xml.content)
    assert sorted(s.findtext("service_code") or "" for s in root.iter("service")) == sorted(
        services
    )
    definition = ET.fromstring((await open311.http.get("/services/voirie.xml")).content)
    assert definition.tag == "service_definition"
    assert definition.findtext("service_code") == "voirie"


async def test_unknown_services_and_jurisdictions_answer_404_in_the_spec_format(
    open311: Open311,
) -> None:
    unknown = await open311.http.get("/services/inexistant.json")
    assert unknown.status_code == 404
    assert unknown.json() == [{"code": 404, "description": "Service inconnu : « inexistant »."}]
    elsewhere = await open311.http.get("/services.xml", params={"jurisdiction_id": "ailleurs"})
    assert elsewhere.status_code == 404 and _errors(elsewhere)[0][0] == "404"
    assert (await open311.http.get("/services.json?jurisdiction_id=ville.example")).is_success


async def test_a_post_publishes_exactly_one_open311_request(open311: Open311) -> None:
    response = await open311.post(
        api_key=KEY,
        service_code="eclairage",
        description="Lampadaire éteint devant l'école",
        email="camille@example.org",
        first_name="Camille",
        account_id="compte-7",
        media_url="https://photos.example/lampadaire.jpg",
        **{"attribute[hauteur]": "haute"},
        **PLACE,
    )
    assert response.status_code == 201, response.text
    (answer,) = response.json()
    assert answer["service_request_id"].startswith(f"{datetime.now(UTC).year}-O")
    assert answer["account_id"] == "compte-7"
    assert "Services techniques" in answer["service_notice"]
    events = await open311.events_of(answer["token"])
    assert [e.type for e in events] == [RequestSubmitted.event_type]
    event = events[0].data
    assert isinstance(event, RequestSubmitted)
    assert event.channel is Channel.OPEN311 and events[0].source == "/relais/open311"
    assert event.reference == answer["service_request_id"]
    assert (event.category, event.description) == ("eclairage", "Lampadaire éteint devant l'école")
    assert event.citizen.email == "camille@example.org"
    assert event.location == Location(lat=48.8566, lon=2.3522)
    assert event.form is not None and event.form.fields["attribute:hauteur"] == "haute"


async def test_json_bodies_and_xml_answers_are_accepted(open311: Open311) -> None:
    response = await open311.http.post(
        "/requests.xml",
        json={"api_key": KEY, "service_code": "voirie", "address_string": "2 rue Haute"},
    )
    assert response.status_code == 201
    root = ET.fromstring(response.content)
    assert root.tag == "service_requests"
    assert (root.findtext("request/service_request_id") or "").startswith(
        f"{datetime.now(UTC).year}-O"
    )


@pytest.mark.parametrize("key", [None, "mauvaise-cle"])
async def test_a_bad_api_key_is_refused_with_403(open311: Open311, key: str | None) -> None:
    fields = {"service_code": "voirie", **PLACE} | ({"api_key": key} if key else {})
    response = await open311.post("xml", **fields)
    assert response.status_code == 403
    assert _errors(response) == [("403", "Clé d'API (api_key) absente ou invalide.")]


async def test_a_request_without_location_is_refused_with_400(open311: Open311) -> None:
    response = await open311.post(api_key=KEY, service_code="voirie", description="Où ?")
    assert response.status_code == 400
    assert response.json() == [
        {
            "code": 400,
            "description": "Localisation manquante : fournissez lat et long, "
            "address_string ou address_id.",
        }
    ]
    invalid = await open311.post("xml", api_key=KEY, service_code="voirie", lat="100", long="2")
    assert _errors(invalid) == [("400", "lat : Ce champ doit être inférieur ou égal à 90.0.")]
    unknown = await open311.post(api_key=KEY, service_code="etat_civil", **PLACE)
    assert unknown.status_code == 404


async def test_the_same_idempotency_key_creates_one_request(open311: Open311) -> None:
    headers = {"Idempotency-Key": f"essai-{uuid.uuid4()}"}
    fields = {"api_key": KEY, "service_code": "proprete", "address_id": "A-17"}
    first = await open311.post(headers=headers, **fields)
    again = await open311.post(headers=headers, **fields)
    other = await open311.post(**fields)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()[0]["service_request_id"] == first.json()[0]["service_request_id"]
    assert other.json()[0]["service_request_id"] != first.json()[0]["service_request_id"]
    assert len(await open311.events_of(first.json()[0]["token"])) == 1


async def test_routing_and_status_changes_show_in_the_request(open311: Open311) -> None:
    created = (await open311.post(api_key=KEY, service_code="voirie", **PLACE)).json()[0]
    reference, request_id = created["service_request_id"], created["token"]

    async def listed() -> bool:
        return await open311.request(reference) is not None

    await eventually(listed)
    token = await open311.http.get(f"/tokens/{request_id}.json")
    assert token.json() == [{"service_request_id": reference, "token": request_id}]
    due = datetime(2026, 12, 14, 16, 30, tzinfo=UTC)
    now = datetime.now(UTC)
    await open311.publish(
        RequestRouted(
            request_id=request_id,
            reference=reference,
            department=Department(code="services_techniques", label="Services techniques"),
            due_at=due,
            rule="category:voirie",
            explanation="Catégorie voirie.",
            routed_at=now,
        )
    )
    for status, comment in [
        (RequestStatus.IN_PROGRESS, None),
        (RequestStatus.RESOLVED, "Rebouché."),
    ]:
        await open311.publish(
            RequestStatusChanged(
                request_id=request_id,
                reference=reference,
                status=status,
                comment=comment,
                actor="agent-1",
                changed_at=now + timedelta(minutes=5),
            )
        )

    async def closed() -> bool:
        request = await open311.request(reference)
        return request is not None and request["status"] == "closed"

    await eventually(closed)
    request = await open311.request(reference)
    assert request is not None
    assert request["agency_responsible"] == "Services techniques"
    assert request["expected_datetime"] == "2026-12-14T17:30:00+01:00"
    assert request["status_notes"] == "Rebouché."
    assert request["updated_datetime"] > request["requested_datetime"]
    assert (request["lat"], request["long"]) == (48.8566, 2.3522)


async def _seed(open311: Open311) -> dict[str, RequestSubmitted]:
    """Requests of several channels and categories, early 2025 (outside other tests' window)."""
    base = datetime(2025, 2, 1, 9, 0, tzinfo=UTC)
    seeds = {
        "ancien": submitted(category="espaces_verts", submitted_at=base - timedelta(days=40)),
        "arbre": submitted(category="espaces_verts", submitted_at=base),
        "tag": submitted(
            category="proprete",
            channel=Channel.OPEN311,
            location=Location(address="Mur de la gare"),
            submitted_at=base + timedelta(days=1),
        ),
        "courriel": submitted(
            category="espaces_verts",
            channel=Channel.EMAIL,
            description="Je suis Camille, 3 impasse Privée",
            location=Location(address="3 impasse Privée"),
            submitted_at=base + timedelta(days=2),
        ),
        "prive": submitted(category="action_sociale", submitted_at=base + timedelta(days=3)),
    }
    for event in seeds.values():
        await open311.publish(event)
    await open311.publish(
        RequestStatusChanged(
            request_id=seeds["arbre"].request_id,
            reference=seeds["arbre"].reference,
            status=RequestStatus.CLOSED,
            actor="agent-1",
            changed_at=base + timedelta(days=5),
        )
    )
    return seeds


async def test_filters_select_by_service_status_and_dates(open311: Open311) -> None:
    seeds = await _seed(open311)
    window = {"start_date": "2025-01-15T00:00:00+01:00", "end_date": "2025-03-01T00:00:00Z"}

    async def search(**filters: str) -> list[str]:
        response = await open311.http.get("/requests.json", params=window | filters)
        assert response.status_code == 200, response.text
        return [r["service_request_id"] for r in response.json()]

    refs = {name: event.reference for name, event in seeds.items()}

    async def arbre_closed() -> bool:
        return await search(status="closed") == [refs["arbre"]]

    await eventually(arbre_closed)
    assert await search() == [refs["courriel"], refs["tag"], refs["arbre"]]  # newest first
    assert await search(service_code="espaces_verts") == [refs["courriel"], refs["arbre"]]
    assert await search(status="open") == [refs["courriel"], refs["tag"]]
    assert await search(service_code="proprete", status="closed") == []
    assert await search(start_date="2025-02-02T12:00:00+01:00") == [refs["courriel"]]
    early = {"start_date": "2024-12-01T00:00:00Z", "end_date": "2025-01-01T00:00:00Z"}
    assert await search(**early) == [refs["ancien"]]
    by_ids = await open311.http.get(
        "/requests.json", params={"service_request_id": f"{refs['tag']},{refs['prive']}"}
    )
    assert [r["service_request_id"] for r in by_ids.json()] == [refs["tag"]]
    assert (await open311.http.get(f"/requests/{refs['prive']}.json")).status_code == 404


async def test_other_channels_show_no_free_text_nor_place(open311: Open311) -> None:
    seeds = await _seed(open311)

    async def both_listed() -> bool:
        return all([await open311.request(seeds[n].reference) for n in ("courriel", "tag")])

    await eventually(both_listed)
    courriel = await open311.request(seeds["courriel"].reference)
    tag = await open311.request(seeds["tag"].reference)
    assert courriel is not None and tag is not None
    assert (courriel["description"], courriel["address"]) == (None, None)
    assert (tag["description"], tag["address"]) == (seeds["tag"].description, "Mur de la gare")
    as_xml = await open311.http.get(f"/requests/{seeds['courriel'].reference}.xml")
    assert b"Camille" not in as_xml.content and b"Priv" not in as_xml.content


async def test_bad_filters_answer_400_in_the_spec_format(open311: Open311) -> None:
    naive = await open311.http.get("/requests.xml", params={"start_date": "2025-01-01T00:00:00"})
    assert naive.status_code == 400
    assert "fuseau horaire" in _errors(naive)[0][1]
    span = await open311.http.get(
        "/requests.json",
        params={"start_date": "2025-01-01T00:00:00Z", "end_date": "2025-06-01T00:00:00Z"},
    )
    assert span.status_code == 400 and "90 jours" in span.json()[0]["description"]
    wrong = await open311.http.get("/requests.csv")
    assert wrong.status_code == 400 and "json ou .xml" in wrong.json()[0]["description"]


async def test_a_post_answers_503_when_kafka_does_not_acknowledge(topic_prefix: str) -> None:
    settings = _settings(topic_prefix, kafka_bootstrap_servers="127.0.0.1:1", publish_timeout_s=1.0)
    async with (
        dropped(settings.database_name),
        serve_app(build_app(settings)) as base,
        httpx.AsyncClient(base_url=f"{base}/open311/v2", timeout=15) as http,
    ):
        response = await http.post(
            "/requests.json", data={"api_key": KEY, "service_code": "voirie", **PLACE}
        )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.json()[0]["code"] == 503
    assert "indisponible" in response.json()[0]["description"]
