"""Follow-ups by reference: the directory is fed from the log, then the message is published."""

import json
from collections.abc import AsyncIterator

import pytest

from shared.directory import REQUESTS as DIRECTORY
from shared.envelope import Envelope
from shared.events import Channel, CitizenMessageReceived
from shared.kafka.producer import EventPublisher
from shared.mongo import connect
from tests.conftest import MONGODB_URI
from tests.factories import submitted
from tests.integration.desk_support import (
    PDF,
    RunningDesk,
    agent_headers,
    desk_settings,
    published,
    running_desk,
)
from tests.support import eventually


@pytest.fixture
async def desk(topic_prefix: str) -> AsyncIterator[RunningDesk]:
    async with running_desk(desk_settings(topic_prefix)) as running:
        yield running


async def _known_request(desk: RunningDesk, publisher: EventPublisher) -> Envelope:
    """A request submitted elsewhere (the portal), once the desk's directory has it."""
    envelope = Envelope(data=submitted(reference="2026-P000321"), source="/relais/portal")
    await publisher.publish(envelope)
    client = connect(uri=MONGODB_URI)
    directory = client[desk.settings.database_name][DIRECTORY]

    async def known() -> bool:
        return await directory.find_one({"reference": "2026-P000321"}) is not None

    try:
        await eventually(known)
    finally:
        await client.close()
    return envelope


def _messages(events: list[Envelope]) -> list[CitizenMessageReceived]:
    return [e.data for e in events if isinstance(e.data, CitizenMessageReceived)]


async def test_a_follow_up_by_reference_is_published_once_per_key(
    desk: RunningDesk, publisher: EventPublisher
) -> None:
    request = await _known_request(desk, publisher)
    url = "/v1/requests/2026-P000321/messages"
    headers = agent_headers() | {"Idempotency-Key": "suivi-1"}
    body = {"text": "L'usager rappelle : le trou s'est agrandi.", "channel": "phone"}
    first = await desk.client.post(url, json=body, headers=headers)
    again = await desk.client.post(url, json=body, headers=headers)
    assert first.status_code == again.status_code == 202, first.text
    assert first.json()["id"] == request.data.request_id
    assert "2026-P000321" in first.json()["message"]
    assert again.headers["Idempotent-Replayed"] == "true"

    (message,) = _messages(await published(desk.topic))
    assert (message.request_id, message.reference) == (request.data.request_id, "2026-P000321")
    assert message.channel == Channel.PHONE and message.text == body["text"]
    assert message.channel_message_id == "julie-moreau:suivi-1"


async def test_a_follow_up_letter_carries_its_scan(
    desk: RunningDesk, publisher: EventPublisher
) -> None:
    await _known_request(desk, publisher)
    files = {
        "data": (None, json.dumps({"text": "Courrier complémentaire", "channel": "postal"})),
        "attachment": ("complement.pdf", PDF, "application/pdf"),
    }
    answer = await desk.client.post(
        "/v1/requests/2026-P000321/messages", files=files, headers=agent_headers()
    )
    assert answer.status_code == 202, answer.text
    (message,) = _messages(await published(desk.topic))
    assert message.channel == Channel.POSTAL and message.raw_ref is not None
    assert [(a.filename, a.size) for a in message.attachments] == [("complement.pdf", len(PDF))]


async def test_an_unknown_reference_is_a_french_404_and_publishes_nothing(
    desk: RunningDesk,
) -> None:
    answer = await desk.client.post(
        "/v1/requests/2026-G999999/messages", json={"text": "Bonjour"}, headers=agent_headers()
    )
    assert answer.status_code == 404
    assert answer.json()["detail"] == "Aucune demande ne porte la référence 2026-G999999."
    malformed = await desk.client.post(
        "/v1/requests/pas-une-reference/messages", json={"text": "x"}, headers=agent_headers()
    )
    assert malformed.status_code == 422
    assert await published(desk.topic) == []
