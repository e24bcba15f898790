"""Kafka unreachable: agents are told to retry (503 + Retry-After), nothing is acknowledged,
and the retry once Kafka is back publishes the request exactly once."""

import json

import pytest

from services.desk.settings import DeskSettings
from shared.intake import DELIVERIES
from shared.mongo import connect
from tests.conftest import MONGODB_URI
from tests.integration.desk_support import (
    agent_headers,
    desk_settings,
    drop_database,
    letter_files,
    published,
    running_desk,
)

VISIT = {"category": "proprete", "description": "Dépôt sauvage rue Haute"}
LETTER = {
    "sender": {"name": "Marcel Dupont", "postal_address": "4 rue Haute"},
    "date_received": "2026-01-05",
    "description": "Réclamation",
}


@pytest.mark.timeout(90)
async def test_broker_down_means_503_then_one_event_on_retry(
    topic_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    healthy = desk_settings(topic_prefix)
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")
    monkeypatch.setenv("PUBLISH_TIMEOUT_S", "1")
    broken = DeskSettings(
        **healthy.model_dump(exclude={"kafka_bootstrap_servers", "publish_timeout_s"})
    )
    assert (broken.kafka_bootstrap_servers, broken.publish_timeout_s) == ("127.0.0.1:1", 1.0)
    headers = agent_headers() | {"Idempotency-Key": "pendant-la-panne"}
    try:
        async with running_desk(broken, drop=False) as desk:
            answers = [
                await desk.client.post("/v1/visits", json=VISIT, headers=headers),
                await desk.client.post("/v1/calls", json=VISIT, headers=agent_headers()),
                await desk.client.post(
                    "/v1/letters", files=letter_files(json.dumps(LETTER)), headers=agent_headers()
                ),
            ]
            for answer in answers:
                assert answer.status_code == 503, answer.text
                assert answer.headers["Retry-After"] == "5"
                assert answer.headers["content-type"].startswith("application/problem+json")
                assert "réessayez" in answer.json()["detail"]
            ready = await desk.client.get("/readyz")
            assert ready.status_code == 503
        assert await published(healthy.topic_prefix + "relais.requests.v1") == []

        client = connect(uri=MONGODB_URI)
        try:
            pending = await client[healthy.database_name][DELIVERIES].find({}).to_list()
        finally:
            await client.close()
        assert [d["state"] for d in pending] == ["pending"]

        async with running_desk(healthy, drop=False) as desk:
            retry = await desk.client.post("/v1/visits", json=VISIT, headers=headers)
            again = await desk.client.post("/v1/visits", json=VISIT, headers=headers)
            assert retry.status_code == again.status_code == 202, retry.text
            assert retry.json() == again.json()
            events = await published(desk.topic)
        assert [e.data.reference for e in events] == [retry.json()["reference"]]
        assert events[0].id == pending[0]["event_id"]  # the event recorded before the outage
    finally:
        await drop_database(healthy.database_name)
