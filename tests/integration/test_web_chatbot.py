"""The chatbot webhook over real HTTP, Kafka and the store."""

import asyncio
import json
import re
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from shared.events import Channel, CitizenMessageReceived, ContactPreference, RequestSubmitted
from shared.intake import hash_token
from shared.signatures import sign_chatbot
from tests.integration.test_web_support import (
    CHATBOT_SECRET,
    RunningWeb,
    running_web,
    web_settings,
)


@pytest.fixture
async def web(topic_prefix: str) -> AsyncIterator[RunningWeb]:
    async with running_web(web_settings(topic_prefix)) as running:
        yield running


def chat(conversation: str, text: str, **extra: Any) -> dict[str, Any]:
    return {
        "conversation_id": conversation,
        "message_id": uuid.uuid4().hex,
        "text": text,
        **extra,
    }


async def test_signed_message_opens_a_request(web: RunningWeb) -> None:
    message = chat(
        "conv-1",
        "Je voudrais inscrire mon fils à la cantine.",
        user={"name": "Inès Dubois", "email": "ines.dubois@example.org", "phone": "06 12 34 56 78"},
        category="inscription_scolaire",
        intent="inscription_cantine",
    )
    response = await web.chatbot(message)
    assert response.status_code == 202, response.text
    answer = response.json()
    assert re.fullmatch(r"\d{4}-B\d{6}", answer["reference"])
    assert answer["follow_up"] is False and answer["duplicate"] is False
    assert answer["status_url"] == f"http://suivi.example/demandes/{answer['reference']}"
    [event] = await web.events()
    request = event.data
    assert isinstance(request, RequestSubmitted)
    assert request.channel == Channel.CHATBOT
    assert request.request_id == answer["id"]
    assert request.reference == answer["reference"]
    assert request.tracking_token_hash == hash_token(answer["tracking_token"])
    assert request.channel_message_id == message["message_id"]
    assert request.citizen.email == "ines.dubois@example.org"
    assert request.citizen.phone == "+33612345678"
    assert request.citizen.chatbot_conversation_id == "conv-1"
    assert request.citizen.preferred_contact == ContactPreference.EMAIL
    assert request.category == "inscription_scolaire"
    assert request.form is not None
    assert request.form.fields == {"conversation_id": "conv-1", "intent": "inscription_cantine"}


async def test_same_conversation_adds_to_its_request(web: RunningWeb) -> None:
    first = await web.chatbot(chat("conv-2", "Un chien errant devant l'école."))
    second = await web.chatbot(chat("conv-2", "Il est toujours là."))
    other = await web.chatbot(chat("conv-3", "Quand ouvre la piscine ?"))
    assert second.status_code == 202
    assert second.json()["follow_up"] is True
    assert second.json()["reference"] == first.json()["reference"]
    assert second.json()["tracking_token"] is None
    assert other.json()["follow_up"] is False
    assert other.json()["reference"] != first.json()["reference"]
    follow_ups = [e.data for e in await web.events() if isinstance(e.data, CitizenMessageReceived)]
    assert len(follow_ups) == 1
    assert follow_ups[0].request_id == first.json()["id"]
    assert follow_ups[0].text == "Il est toujours là."
    assert follow_ups[0].channel == Channel.CHATBOT


async def test_redelivered_message_gets_the_same_answer(web: RunningWeb) -> None:
    message = chat("conv-4", "Ma rue n'a pas été déneigée.")
    first = await web.chatbot(message)
    again = await web.chatbot(message)
    assert again.status_code == 202
    assert again.json() == {**first.json(), "duplicate": True}
    follow_up = chat("conv-4", "Toujours pas.")
    await web.chatbot(follow_up)
    repeated = await web.chatbot(follow_up)
    assert repeated.json()["duplicate"] is True and repeated.json()["follow_up"] is True
    assert len(await web.events()) == 2


@pytest.mark.parametrize("case", ["forged", "stale", "future", "missing", "bad-timestamp"])
async def test_unproven_messages_are_refused(web: RunningWeb, case: str) -> None:
    body = json.dumps(chat("conv-5", "Message douteux")).encode()
    now = int(time.time())
    # Well past the 300 s allowed: a second boundary crossed meanwhile must not matter.
    stamp = {"stale": now - 310, "future": now + 310}.get(case, now)
    secret = "pas-le-secret-du-chatbot" if case == "forged" else CHATBOT_SECRET
    headers = {
        "content-type": "application/json",
        "x-relais-timestamp": "hier" if case == "bad-timestamp" else str(stamp),
        "x-relais-signature": sign_chatbot(secret=secret, timestamp=stamp, body=body),
    }
    if case == "missing":
        del headers["x-relais-signature"]
    response = await web.client.post("/v1/chatbot/webhook", content=body, headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Authentification requise"
    assert await web.events() == []


async def test_timestamp_is_part_of_the_signature(web: RunningWeb) -> None:
    body = json.dumps(chat("conv-6", "Bonjour")).encode()
    now = int(time.time())
    headers = {
        "content-type": "application/json",
        "x-relais-timestamp": str(now),
        "x-relais-signature": sign_chatbot(secret=CHATBOT_SECRET, timestamp=now - 10, body=body),
    }
    response = await web.client.post("/v1/chatbot/webhook", content=body, headers=headers)
    assert response.status_code == 401
    assert "Signature invalide" in response.json()["detail"]


async def test_invalid_signed_message_is_a_french_422(web: RunningWeb) -> None:
    response = await web.chatbot(
        {"conversation_id": "conv-7", "message_id": "m-1", "text": "  ", "user": {"email": "x"}}
    )
    assert response.status_code == 422
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert errors == {
        "text": "Ce champ est obligatoire.",
        "user.email": "Adresse électronique invalide.",
    }
    assert await web.events() == []


async def test_simultaneous_messages_of_a_conversation_open_one_request(web: RunningWeb) -> None:
    answers = await asyncio.gather(*(web.chatbot(chat("conv-8", f"Message {n}")) for n in range(4)))
    assert [a.status_code for a in answers] == [202] * 4
    assert len({a.json()["reference"] for a in answers}) == 1
    assert sorted(a.json()["follow_up"] for a in answers) == [False, True, True, True]
    kinds = sorted(type(e.data).__name__ for e in await web.events())
    assert kinds == ["CitizenMessageReceived"] * 3 + ["RequestSubmitted"]
