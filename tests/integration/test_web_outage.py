"""Kafka unreachable: every web channel answers 503 + Retry-After and acknowledges nothing;
once Kafka is back, the redelivered message is published exactly once."""

import pytest

from shared.events import CitizenMessageReceived, RequestSubmitted
from tests.integration.test_web_support import (
    RunningWeb,
    page_message,
    page_webhook,
    running_web,
    web_settings,
)

UNREACHABLE = {"kafka_bootstrap_servers": "127.0.0.1:1", "publish_timeout_s": 1}
CONTACT = {"email": "paul.henry@example.org", "message": "Le parc est fermé depuis lundi."}


def assert_unavailable(response: object) -> None:
    assert getattr(response, "status_code", None) == 503, getattr(response, "text", "")
    headers = response.headers  # type: ignore[attr-defined]
    assert headers["content-type"] == "application/problem+json"
    assert int(headers["retry-after"]) > 0
    assert "réessayez" in response.json()["detail"]  # type: ignore[attr-defined]


@pytest.mark.timeout(120)
async def test_every_channel_answers_503_and_redelivery_publishes_once(topic_prefix: str) -> None:
    down = web_settings(topic_prefix, **UNREACHABLE)
    facebook = page_webhook(
        page_message(psid="7001", mid="m_outage_1", text="Feu tricolore en panne")
    )
    chat = {"conversation_id": "conv-outage", "message_id": "msg-1", "text": "Bonjour"}
    async with running_web(down, drop=False) as web:
        assert_unavailable(await web.client.post("/v1/contact", json=CONTACT))
        assert_unavailable(await web.facebook(facebook))
        assert_unavailable(await web.chatbot(chat))
    # Same database, Kafka reachable: Facebook and the chatbot redeliver.
    up = down.model_copy(
        update={"kafka_bootstrap_servers": web_settings("").kafka_bootstrap_servers}
    )
    async with running_web(up) as web:
        assert await web.events() == []
        again = await web.facebook(facebook)
        assert again.status_code == 200
        assert (await web.chatbot(chat)).status_code == 202
        await redelivered_once(web)


async def redelivered_once(web: RunningWeb) -> None:
    events = [e.data for e in await web.events()]
    assert len(events) == 2
    assert all(isinstance(e, RequestSubmitted) for e in events)
    assert {e.channel_message_id for e in events if isinstance(e, RequestSubmitted)} == {
        "m_outage_1",
        "msg-1",
    }
    assert not any(isinstance(e, CitizenMessageReceived) for e in events)
