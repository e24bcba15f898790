"""The Facebook page webhook over real HTTP, Kafka and the store."""

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from shared.envelope import Envelope
from shared.events import (
    Channel,
    CitizenMessageReceived,
    ContactPreference,
    RequestStatus,
    RequestStatusChanged,
    RequestSubmitted,
)
from shared.kafka.producer import EventPublisher
from tests.integration.test_web_support import (
    VERIFY_TOKEN,
    RunningWeb,
    page_message,
    page_webhook,
    running_web,
    web_settings,
)
from tests.support import eventually


@pytest.fixture
async def web(topic_prefix: str) -> AsyncIterator[RunningWeb]:
    async with running_web(web_settings(topic_prefix)) as running:
        yield running


def new_psid() -> str:
    return str(uuid.uuid4().int)[:16]


def new_mid() -> str:
    return f"m_{uuid.uuid4().hex}"


def counts(new: int = 0, follow_ups: int = 0, duplicates: int = 0, ignored: int = 0) -> dict:
    return {
        "new_requests": new,
        "follow_ups": follow_ups,
        "duplicates": duplicates,
        "ignored": ignored,
    }


async def test_subscription_check_echoes_the_challenge(web: RunningWeb) -> None:
    params = {
        "hub.mode": "subscribe",
        "hub.verify_token": VERIFY_TOKEN,
        "hub.challenge": "1158201444",
    }
    response = await web.client.get("/v1/facebook/webhook", params=params)
    assert response.status_code == 200
    assert response.text == "1158201444"
    assert response.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "mauvais-jeton", "hub.challenge": "42"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "42"},
        {"hub.mode": "subscribe", "hub.challenge": "42"},
        {},
    ],
)
async def test_subscription_check_refuses_a_wrong_token(web: RunningWeb, params: dict) -> None:
    response = await web.client.get("/v1/facebook/webhook", params=params)
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert "jeton de vérification" in response.json()["detail"]


async def test_signed_message_becomes_one_request(web: RunningWeb) -> None:
    sender = new_psid()
    text = "Lampadaire éteint rue Victor Hugo depuis trois jours"
    payload = page_webhook(page_message(psid=sender, mid=new_mid(), text=text))
    response = await web.facebook(payload)
    assert response.status_code == 200, response.text
    assert response.json() == counts(new=1)
    events = await web.events()
    assert len(events) == 1
    request = events[0].data
    assert isinstance(request, RequestSubmitted)
    assert request.channel == Channel.FACEBOOK
    assert request.reference[5] == "S"
    assert request.citizen.facebook_psid == sender
    assert request.citizen.preferred_contact == ContactPreference.FACEBOOK
    assert request.description == text
    assert events[0].source == "/relais/web"
    raw = await web.db["raw_originals"].find_one({"_id": (request.raw_ref or "").rsplit("/")[-1]})
    assert raw is not None
    assert bytes(raw["content"]) == json.dumps(payload).encode()


async def test_redelivered_webhook_creates_no_second_request(web: RunningWeb) -> None:
    payload = page_webhook(
        page_message(psid=new_psid(), mid=new_mid(), text="Poubelles non ramassées")
    )
    first = await web.facebook(payload)
    again = await web.facebook(payload)
    assert first.json() == counts(new=1)
    assert again.status_code == 200
    assert again.json() == counts(duplicates=1)
    assert len(await web.events()) == 1


async def test_redelivered_follow_up_is_not_published_twice(web: RunningWeb) -> None:
    sender = new_psid()
    await web.facebook(
        page_webhook(page_message(psid=sender, mid=new_mid(), text="Trottoir abîmé"))
    )
    follow_up = page_webhook(page_message(psid=sender, mid=new_mid(), text="Photo à venir"))
    assert (await web.facebook(follow_up)).json() == counts(follow_ups=1)
    assert (await web.facebook(follow_up)).json() == counts(duplicates=1)
    kinds = [type(e.data) for e in await web.events()]
    assert kinds == [RequestSubmitted, CitizenMessageReceived]


async def test_echoes_and_other_events_are_ignored(web: RunningWeb) -> None:
    sender = new_psid()
    delivery = {"sender": {"id": sender}, "recipient": {"id": "1"}, "delivery": {"mids": ["m_1"]}}
    read = {"sender": {"id": sender}, "recipient": {"id": "1"}, "read": {"watermark": 1}}
    echo = page_message(psid=sender, mid=new_mid(), text="Bonjour, nous regardons.", echo=True)
    response = await web.facebook(page_webhook(echo, delivery, read))
    assert response.status_code == 200
    assert response.json() == counts(ignored=3)
    instagram = {"object": "instagram", "entry": [{"id": "1", "time": 1, "messaging": []}]}
    assert (await web.facebook(instagram)).json() == counts(ignored=1)
    assert await web.events() == []


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"x-hub-signature-256": "sha256=" + "0" * 64}, 403),
        ({"x-hub-signature-256": "n'importe quoi"}, 403),
    ],
)
async def test_unsigned_or_forged_posts_are_refused(
    web: RunningWeb, headers: dict, status: int
) -> None:
    body = b'{"object":"page","entry":[]}'
    payload = page_webhook(page_message(psid=new_psid(), mid=new_mid(), text="Faux message"))
    forged = await web.facebook(payload, secret="pas-le-bon-secret")
    assert forged.status_code == 403
    response = await web.client.post(
        "/v1/facebook/webhook",
        content=body,
        headers={"content-type": "application/json", **headers},
    )
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert "Signature" in response.json()["detail"]
    assert await web.events() == []


async def test_signature_is_checked_before_the_body_is_read(web: RunningWeb) -> None:
    response = await web.client.post(
        "/v1/facebook/webhook",
        content=b"{pas du json",
        headers={"content-type": "application/json", "x-hub-signature-256": "sha256=00"},
    )
    assert response.status_code == 403


async def test_follow_up_from_the_same_sender_joins_the_open_request(web: RunningWeb) -> None:
    sender = new_psid()
    await web.facebook(page_webhook(page_message(psid=sender, mid=new_mid(), text="Arbre tombé")))
    [opened] = await web.events()
    await web.directory_knows(opened.data.request_id)
    response = await web.facebook(
        page_webhook(page_message(psid=sender, mid=new_mid(), text="Il bloque la rue"))
    )
    assert response.json() == counts(follow_ups=1)
    events = await web.events()
    assert len(events) == 2
    follow_up = events[1].data
    assert isinstance(follow_up, CitizenMessageReceived)
    assert follow_up.request_id == opened.data.request_id
    assert follow_up.reference == opened.data.reference
    assert follow_up.text == "Il bloque la rue"
    assert follow_up.channel == Channel.FACEBOOK


async def test_messages_in_one_webhook_share_one_request(web: RunningWeb) -> None:
    """The second message arrives before the directory could know the first request."""
    sender, other = new_psid(), new_psid()
    response = await web.facebook(
        page_webhook(
            page_message(psid=sender, mid=new_mid(), text="Fuite d'eau place du marché"),
            page_message(psid=other, mid=new_mid(), text="Horaires de la médiathèque ?"),
            page_message(psid=sender, mid=new_mid(), text="Elle s'aggrave"),
        )
    )
    assert response.json() == counts(new=2, follow_ups=1)
    events = [e.data for e in await web.events()]
    opened = {e.citizen.facebook_psid: e for e in events if isinstance(e, RequestSubmitted)}
    [follow_up] = [e for e in events if isinstance(e, CitizenMessageReceived)]
    assert set(opened) == {sender, other}
    assert follow_up.request_id == opened[sender].request_id
    assert follow_up.text == "Elle s'aggrave"


async def test_long_closed_request_takes_no_follow_up(
    web: RunningWeb, publisher: EventPublisher
) -> None:
    sender = new_psid()
    await web.facebook(page_webhook(page_message(psid=sender, mid=new_mid(), text="Banc cassé")))
    [opened] = await web.events()
    closed = RequestStatusChanged(
        request_id=opened.data.request_id,
        reference=opened.data.reference,
        status=RequestStatus.CLOSED,
        actor="agent-test",
        changed_at=datetime.now(UTC) - timedelta(days=16),
    )
    await publisher.publish(Envelope(data=closed, source="/relais/tests"))

    async def closed_known() -> bool:
        doc = await web.db["directory_requests"].find_one({"_id": opened.data.request_id})
        return doc is not None and doc.get("status") == "closed"

    await eventually(closed_known)
    response = await web.facebook(
        page_webhook(page_message(psid=sender, mid=new_mid(), text="Un autre banc"))
    )
    assert response.json() == counts(new=1)
    # Records of different requests sit in different partitions: no order between them.
    submitted = [e.data for e in await web.events() if isinstance(e.data, RequestSubmitted)]
    assert len(submitted) == 2
    assert len({s.request_id for s in submitted}) == 2


async def test_attachments_are_described_in_french(web: RunningWeb) -> None:
    url = "https://scontent.xx.fbcdn.net/v/photo-nid-de-poule.jpg"
    attachments = [{"type": "image", "payload": {"url": url}}, {"type": "location", "payload": {}}]
    message = page_message(psid=new_psid(), mid=new_mid(), text=None, attachments=attachments)
    assert (await web.facebook(page_webhook(message))).json() == counts(new=1)
    [event] = await web.events()
    assert isinstance(event.data, RequestSubmitted)
    assert event.data.description == (
        f"Pièces jointes envoyées sur Facebook :\n- image : {url}\n- localisation : (sans lien)"
    )


async def test_signed_but_malformed_bodies_are_client_errors(web: RunningWeb) -> None:
    for payload in ([1, 2], {"entry": []}, {"object": "page", "entry": "x"}):
        response = await web.facebook(payload)  # type: ignore[arg-type]
        assert response.status_code in (400, 422), response.text
        assert response.headers["content-type"] == "application/problem+json"
    assert await web.events() == []
