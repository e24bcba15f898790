"""The tracking service over real HTTP, fed only by events published to the real broker."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.tracking import store
from services.tracking.app import build_app
from services.tracking.settings import TrackingSettings
from shared.auth import DEV_SECRET, Agent, issue_token
from shared.envelope import Envelope
from shared.events import (
    Channel,
    CitizenMessageReceived,
    Department,
    Event,
    NotificationFailed,
    NotificationSent,
    RequestRouted,
    RequestSubmitted,
)
from shared.kafka.producer import EventPublisher
from shared.kafka.topics import REQUESTS
from shared.mongo import connect
from tests.conftest import KAFKA, MONGODB_URI, dropped, namespaced
from tests.factories import TOKEN, submitted
from tests.support import eventually, free_port, fresh_topics, serve_app

# Development (HS256) tokens; tests/integration/test_tracking_access.py covers OIDC and roles.
AGENT = Agent(
    agent_id="julie-moreau",
    name="Julie Moreau",
    department="services_techniques",
    roles=["agent", "admin"],
)
AUTH = {"authorization": f"Bearer {issue_token(agent=AGENT, secret=DEV_SECRET)}"}


@dataclass
class Running:
    http: httpx.AsyncClient
    publisher: EventPublisher
    database: str

    async def publish(self, data: Event, **kwargs: Any) -> Envelope:
        envelope = Envelope(data=data, source="/relais/tests", **kwargs)
        await self.publisher.publish(envelope)
        return envelope

    async def agent_view(self, request_id: str, until: Any) -> dict[str, Any]:
        """Poll the agents' record of a request until `until(record)` holds."""
        seen: dict[str, Any] = {}

        async def ready() -> bool:
            nonlocal seen
            response = await self.http.get(f"/v1/requests/{request_id}", headers=AUTH)
            seen = response.json() if response.status_code == 200 else {}
            return bool(seen) and bool(until(seen))

        await eventually(ready, timeout=30)
        return seen


def settings_for(prefix: str, **overrides: Any) -> TrackingSettings:
    return TrackingSettings(**(namespaced(prefix, "tracking") | overrides))


@pytest.fixture(scope="module")
async def tracking() -> AsyncIterator[Running]:
    async with fresh_topics(KAFKA) as prefix:
        settings = settings_for(prefix)
        publisher = EventPublisher(bootstrap_servers=KAFKA, topic=prefix + REQUESTS)
        await publisher.start()
        async with (
            dropped(settings.database_name),
            serve_app(build_app(settings)) as base_url,
            httpx.AsyncClient(base_url=base_url, timeout=10) as http,
        ):
            yield Running(http=http, publisher=publisher, database=settings.database_name)
        await publisher.stop()


def routed(request: RequestSubmitted, *, department: str = "services_techniques") -> RequestRouted:
    return RequestRouted(
        request_id=request.request_id,
        reference=request.reference,
        department=Department(code=department, label="Services techniques"),
        category="voirie",
        due_at=request.submitted_at + timedelta(days=14),
        rule="category:voirie",
        explanation="Catégorie « Voirie » confiée au service Services techniques.",
        routed_at=request.submitted_at + timedelta(seconds=1),
    )


def to_ms(moment: datetime) -> datetime:
    """BSON dates keep milliseconds."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


async def routed_request(tracking: Running, **overrides: Any) -> RequestSubmitted:
    department = overrides.pop("department", "services_techniques")
    overrides["submitted_at"] = to_ms(overrides.get("submitted_at", datetime.now(UTC)))
    request = submitted(**overrides)
    await tracking.publish(request)
    await tracking.publish(routed(request, department=department))
    await tracking.agent_view(request.request_id, lambda r: r["status"] == "routed")
    return request


async def test_the_citizen_follows_a_request_with_reference_and_token(tracking: Running) -> None:
    request = await routed_request(tracking)
    url = f"/v1/public/requests/{request.reference}"
    response = await tracking.http.get(url, headers={"X-Tracking-Token": TOKEN})
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    view = response.json()
    assert view["reference"] == request.reference
    assert view["status"] == "routed" and view["status_label"] == "transmise au service"
    assert view["department"] == "Services techniques"
    due = datetime.fromisoformat(view["due_at"])
    assert due.tzinfo is not None and due == request.submitted_at + timedelta(days=14)
    assert datetime.fromisoformat(view["submitted_at"]) == request.submitted_at
    assert [e["kind"] for e in view["timeline"]] == ["submitted", "routed"]
    assert view["timeline"][0]["label"] == "Demande reçue sur le portail citoyen"
    for personal in ("Camille", "camille.martin", "Lilas", "Catégorie"):
        assert personal not in response.text
    by_query = await tracking.http.get(url, params={"token": TOKEN})
    assert by_query.status_code == 200 and by_query.json() == view


async def test_wrong_or_missing_token_look_exactly_like_an_unknown_reference(
    tracking: Running,
) -> None:
    request = await routed_request(tracking)
    url = f"/v1/public/requests/{request.reference}"
    answers = [
        await tracking.http.get(url, headers={"X-Tracking-Token": TOKEN + "x"}),
        await tracking.http.get(url),
        await tracking.http.get(url, params={"token": ""}),
        await tracking.http.get("/v1/public/requests/2026-P999999", params={"token": TOKEN}),
        await tracking.http.get("/v1/public/requests/" + "x" * 100, params={"token": TOKEN}),
        await tracking.http.get(url, headers={"X-Tracking-Token": "y" * 500}),
    ]
    for answer in answers:
        assert answer.status_code == 404
        assert answer.headers["content-type"].startswith("application/problem+json")
    assert len({a.text for a in answers}) == 1


async def test_agents_need_a_valid_token(tracking: Running) -> None:
    bad = {
        "authorization": f"Bearer {issue_token(agent=AGENT, secret='another-secret-' + 'x' * 32)}"
    }
    for headers in ({}, bad):
        response = await tracking.http.get("/v1/requests", headers=headers)
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_agents_see_the_full_record(tracking: Running) -> None:
    request = await routed_request(tracking)
    record = await tracking.agent_view(request.request_id, lambda r: r["routing"])
    assert record["reference"] == request.reference
    assert record["citizen"]["email"] == "camille.martin@example.org"
    assert record["description"] == request.description
    assert record["routing"]["explanation"].startswith("Catégorie « Voirie »")
    assert record["department"] == {"code": "services_techniques", "label": "Services techniques"}
    assert record["allowed_statuses"] == ["in_progress", "cancelled"]
    assert [e["kind"] for e in record["timeline"]] == ["submitted", "routed"]
    unknown = await tracking.http.get("/v1/requests/nope", headers=AUTH)
    assert unknown.status_code == 404


async def test_a_status_change_goes_through_kafka_and_back(tracking: Running) -> None:
    request = await routed_request(tracking)
    url = f"/v1/requests/{request.request_id}/status"
    change = {"status": "in_progress", "comment": "Intervention prévue mardi."}
    accepted = await tracking.http.post(url, json=change, headers=AUTH)
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["status_label"] == "en cours de traitement"
    record = await tracking.agent_view(request.request_id, lambda r: r["status"] == "in_progress")
    last = record["timeline"][-1]
    assert last["id"] == accepted.json()["event_id"]
    assert last["actor"] == "julie-moreau" and last["comment"] == "Intervention prévue mardi."

    note = {"status": "resolved", "comment": "Voir avec M. Durand", "internal": True}
    assert (await tracking.http.post(url, json=note, headers=AUTH)).status_code == 202
    await tracking.agent_view(request.request_id, lambda r: r["status"] == "resolved")
    public = await tracking.http.get(
        f"/v1/public/requests/{request.reference}", headers={"X-Tracking-Token": TOKEN}
    )
    assert public.json()["status_label"] == "traitée"
    assert "Intervention prévue mardi." in public.text
    assert "Durand" not in public.text and "julie" not in public.text


async def test_a_move_the_lifecycle_forbids_is_refused_in_french(tracking: Running) -> None:
    request = await routed_request(tracking)
    url = f"/v1/requests/{request.request_id}/status"
    refused = await tracking.http.post(url, json={"status": "closed"}, headers=AUTH)
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    body = refused.json()
    assert "« transmise au service »" in body["detail"] and "« clôturée »" in body["detail"]
    assert body["allowed_statuses"] == ["in_progress", "cancelled"]
    invalid = await tracking.http.post(url, json={"status": "done"}, headers=AUTH)
    assert invalid.status_code == 422
    missing = await tracking.http.post(
        "/v1/requests/nope/status", json={"status": "in_progress"}, headers=AUTH
    )
    assert missing.status_code == 404


async def test_a_citizen_message_reopens_a_resolved_request(tracking: Running) -> None:
    request = await routed_request(tracking)
    url = f"/v1/requests/{request.request_id}/status"
    for status in ("in_progress", "resolved"):
        response = await tracking.http.post(url, json={"status": status}, headers=AUTH)
        assert response.status_code == 202
        await tracking.agent_view(request.request_id, lambda r, s=status: r["status"] == s)
    await tracking.publish(
        CitizenMessageReceived(
            request_id=request.request_id,
            reference=request.reference,
            channel=Channel.EMAIL,
            text="Le trou est revenu.",
            received_at=datetime.now(UTC),
        )
    )
    record = await tracking.agent_view(request.request_id, lambda r: r["status"] == "in_progress")
    message, reopening = record["timeline"][-2:]
    assert message["label"].endswith("la demande est rouverte")
    assert message["details"]["message"] == "Le trou est revenu."
    assert reopening["actor"] == "system"
    assert reopening["status"] == "in_progress"


async def test_a_redelivered_event_makes_one_timeline_entry(tracking: Running) -> None:
    request = await routed_request(tracking)
    ids = {"request_id": request.request_id, "reference": request.reference}
    sent = NotificationSent(
        **ids,
        notification_id="n-1",
        channel="email",
        template="acknowledgement",
        sent_at=datetime.now(UTC),
    )
    first = await tracking.publish(sent)
    await tracking.publish(sent, id=first.id)  # the same event delivered again
    failed = NotificationFailed(
        **ids,
        notification_id="n-2",
        channel="email",
        reason="boîte pleine",
        permanent=False,
        failed_at=datetime.now(UTC) + timedelta(seconds=1),
    )
    await tracking.publish(failed)
    record = await tracking.agent_view(
        request.request_id, lambda r: r["timeline"][-1]["kind"] == "notification_failed"
    )
    kinds = [e["kind"] for e in record["timeline"]]
    assert kinds == ["submitted", "routed", "notification_sent", "notification_failed"]
    assert record["timeline"][2]["label"] == "Accusé de réception envoyé par courriel"
    assert record["timeline"][3]["internal"] is True
    client = connect(uri=MONGODB_URI)
    try:
        count = await client[tracking.database]["timeline"].count_documents({"_id": first.id})
    finally:
        await client.close()
    assert count == 1
    public = await tracking.http.get(
        f"/v1/public/requests/{request.reference}", params={"token": TOKEN}
    )
    assert [e["kind"] for e in public.json()["timeline"]][-1] == "notification_sent"


async def test_agents_filter_and_page_through_requests(tracking: Running) -> None:
    department = f"dept_{uuid.uuid4().hex[:8]}"
    now = datetime.now(UTC)
    late = await routed_request(
        tracking, department=department, submitted_at=now - timedelta(days=20)
    )
    soon = await routed_request(tracking, department=department, submitted_at=now)
    email = await routed_request(
        tracking, department=department, channel=Channel.EMAIL, submitted_at=now - timedelta(days=1)
    )

    async def page(**params: Any) -> dict[str, Any]:
        response = await tracking.http.get("/v1/requests", params=params, headers=AUTH)
        assert response.status_code == 200, response.text
        return response.json()

    everything = await page(department=department)
    assert everything["total"] == 3
    assert [i["id"] for i in everything["items"]] == [
        late.request_id,
        email.request_id,
        soon.request_id,
    ]
    assert everything["items"][0]["overdue"] is True
    first = await page(department=department, limit=1)
    second = await page(department=department, limit=1, cursor=first["next_cursor"])
    assert [i["id"] for i in second["items"]] == [email.request_id] and second["total"] == 3
    last = await page(department=department, limit=2, cursor=second["next_cursor"])
    assert [i["id"] for i in last["items"]] == [soon.request_id] and last["next_cursor"] is None
    overdue = await page(department=department, overdue="true")
    assert [i["id"] for i in overdue["items"]] == [late.request_id]
    by_channel = await page(department=department, channel="email", status="routed")
    assert [i["id"] for i in by_channel["items"]] == [email.request_id]
    by_reference = await page(reference=soon.reference)
    assert [i["id"] for i in by_reference["items"]] == [soon.request_id]
    too_many = await tracking.http.get("/v1/requests", params={"limit": 10_000}, headers=AUTH)
    assert too_many.status_code == 422

    stats = await tracking.http.get("/v1/stats/departments", headers=AUTH)
    assert stats.status_code == 200
    line = next(s for s in stats.json() if (s["department"] or {}).get("code") == department)
    assert line == {
        "department": {"code": department, "label": department},
        "total": 3,
        "by_status": {"routed": 3},
        "overdue": 1,
    }


async def test_ready_once_database_and_consumer_are_up(tracking: Running) -> None:
    response = await tracking.http.get("/readyz")
    assert response.status_code == 200
    assert (await tracking.http.get("/healthz")).json() == {"status": "ok"}
    assert "relais_events_consumed_total" in (await tracking.http.get("/metrics")).text


async def test_a_status_change_kafka_does_not_acknowledge_answers_503(mongo_db: Any) -> None:
    request = submitted()
    await store.ensure_indexes(db=mongo_db)
    envelope = Envelope(data=request, source="/relais/tests")
    await store.apply_event(db=mongo_db, envelope=envelope, reopen_window=timedelta(days=15))
    settings = settings_for(
        "nobroker.", mongodb_database=mongo_db.name, publish_timeout_s=1
    ).model_copy(update={"kafka_bootstrap_servers": f"127.0.0.1:{free_port()}"})
    async with (
        serve_app(build_app(settings)) as base_url,
        httpx.AsyncClient(base_url=base_url, timeout=10) as http,
    ):
        response = await http.post(
            f"/v1/requests/{request.request_id}/status", json={"status": "cancelled"}, headers=AUTH
        )
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == "5"
        assert "réessayez" in response.json()["detail"]
        assert (await http.get("/readyz")).status_code == 503  # no consumer without Kafka
    doc = await store.get_request(db=mongo_db, request_id=request.request_id)
    assert doc is not None and doc["status"] == "received"


async def test_a_status_change_on_a_stale_version_answers_412(tracking: Running) -> None:
    request = await routed_request(tracking)
    url = f"/v1/requests/{request.request_id}"
    seen = await tracking.http.get(url, headers=AUTH)
    etag = seen.headers["etag"]
    assert etag == f'"{seen.json()["version"]}"'
    stale = f'"{seen.json()["version"] - 1}"'
    refused = await tracking.http.post(
        f"{url}/status", json={"status": "in_progress"}, headers={**AUTH, "If-Match": stale}
    )
    assert refused.status_code == 412
    assert refused.headers["content-type"].startswith("application/problem+json")
    accepted = await tracking.http.post(
        f"{url}/status", json={"status": "in_progress"}, headers={**AUTH, "If-Match": etag}
    )
    assert accepted.status_code == 202
