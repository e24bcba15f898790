"""Messenger and chatbot replies over real HTTP: a fake Graph API and a fake chatbot platform
on 127.0.0.1, and the development sink in the real store."""

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pymongo.asynchronous.database import AsyncDatabase

from services.notification.channels.base import ContactPoint, Notice, PermanentError, TransientError
from services.notification.channels.chatbot import CONVERSATION_CLOSED, chatbot_channel
from services.notification.channels.facebook import OUTSIDE_WINDOW, messenger_channel
from services.notification.channels.sink import SINK
from services.notification.settings import NotificationSettings
from shared.mongo import Document
from shared.signatures import SignatureRefused, check_chatbot
from tests.support import free_port, serve_app

TOKEN = "EAAB-page-token"
SECRET = "chatbot-secret-shared-with-the-platform"
STATUS_URL = "http://127.0.0.1:8070/suivi/2026-S000042?code=abc"
# Graph API answers, by recipient PSID (a real refusal's shape)
GRAPH_REFUSALS: dict[str, tuple[int, dict[str, Any]]] = {
    "blocked": (400, {"message": "(#551) This person isn't available", "code": 551}),
    "late": (400, {"message": "outside window", "code": 10, "error_subcode": 2018278}),
    "busy": (400, {"message": "(#613) Calls exceeded the rate limit", "code": 613}),
    "down": (500, {"message": "An unknown error occurred", "code": 1}),
}
CHATBOT_REFUSALS = {"gone": 410, "unknown": 404, "broken": 503}


@dataclass
class Platform:
    url: str = ""
    calls: list[dict[str, Any]] = field(default_factory=list)


async def _recorded(request: Request, platform: Platform) -> dict[str, Any]:
    raw = await request.body()
    call = {
        "method": request.method,
        "path": request.url.path,
        "query": dict(request.query_params),
        "headers": dict(request.headers),
        "raw": raw,
        "json": json.loads(raw),
    }
    platform.calls.append(call)
    return call


def graph_api(platform: Platform) -> FastAPI:
    app = FastAPI()

    @app.post("/v23.0/me/messages")
    async def send(request: Request) -> JSONResponse:
        call = await _recorded(request, platform)
        if call["headers"].get("authorization") != f"Bearer {TOKEN}":
            return JSONResponse({"error": {"code": 190, "message": "bad token"}}, 401)
        psid = call["json"]["recipient"]["id"]
        if psid in GRAPH_REFUSALS:
            status, error = GRAPH_REFUSALS[psid]
            return JSONResponse({"error": {**error, "fbtrace_id": "AbC"}}, status)
        return JSONResponse({"recipient_id": psid, "message_id": f"m_{len(platform.calls)}"})

    return app


def chatbot_platform(platform: Platform) -> FastAPI:
    app = FastAPI()

    @app.post("/relais/replies")
    async def reply(request: Request) -> JSONResponse:
        call = await _recorded(request, platform)
        try:
            check_chatbot(
                secret=SECRET,
                body=call["raw"],
                timestamp=call["headers"].get("x-relais-timestamp"),
                signature=call["headers"].get("x-relais-signature"),
                now=time.time(),
                max_skew_s=300,
            )
        except SignatureRefused as refused:
            return JSONResponse({"detail": refused.detail}, refused.status)
        conversation = call["json"]["conversation_id"]
        if conversation in CHATBOT_REFUSALS:
            return JSONResponse({"detail": "no"}, CHATBOT_REFUSALS[conversation])
        return JSONResponse({"message_id": f"bot-{len(platform.calls)}"}, 201)

    return app


@pytest.fixture
async def graph() -> AsyncIterator[Platform]:
    platform = Platform()
    async with serve_app(graph_api(platform)) as url:
        platform.url = url
        yield platform


@pytest.fixture
async def bot() -> AsyncIterator[Platform]:
    platform = Platform()
    async with serve_app(chatbot_platform(platform)) as url:
        platform.url = url + "/relais/replies"
        yield platform


def notice(template: str = "acknowledgement", key: str = "n-1", **context: Any) -> Notice:
    return Notice(
        key=key,
        request_id="r-42",
        reference="2026-S000042",
        template=template,
        context={"status_url": STATUS_URL, "department": "Services techniques", **context},
        created_at=datetime.now(UTC),
    )


def messenger_to(psid: str, *, hours_ago: float = 1) -> ContactPoint:
    last = datetime.now(UTC) - timedelta(hours=hours_ago)
    return ContactPoint(channel="facebook", address=psid, extra={"last_inbound_at": last})


def on_graph(url: str, token: str = TOKEN) -> NotificationSettings:
    return NotificationSettings(
        facebook_transport="graph", facebook_graph_url=url, facebook_page_token=token
    )


def on_platform(url: str, secret: str = SECRET) -> NotificationSettings:
    return NotificationSettings(
        chatbot_transport="webhook", chatbot_reply_url=url, chatbot_secret=secret
    )


NO_DB: Any = None


async def test_messenger_posts_to_the_send_api(graph: Platform) -> None:
    channel = messenger_channel(on_graph(graph.url), db=NO_DB)
    sent = await channel.send(notice(), messenger_to("6543210"))
    [call] = graph.calls
    assert sent.provider_id == "m_1"
    assert call["method"] == "POST" and call["path"] == "/v23.0/me/messages"
    assert call["headers"]["authorization"] == f"Bearer {TOKEN}"
    assert call["query"] == {}  # the token never goes into a URL (access logs)
    assert call["headers"]["content-type"] == "application/json"
    body = call["json"]
    assert body["recipient"] == {"id": "6543210"}
    assert body["messaging_type"] == "RESPONSE"
    text = body["message"]["text"]
    assert "2026-S000042" in text and STATUS_URL in text and len(text) <= 2000
    assert "Nous avons bien reçu votre demande" in text


async def test_messenger_never_calls_facebook_outside_the_window(graph: Platform) -> None:
    channel = messenger_channel(on_graph(graph.url), db=NO_DB)
    with pytest.raises(PermanentError) as refused:
        await channel.send(notice(), messenger_to("6543210", hours_ago=30))
    assert refused.value.reason == OUTSIDE_WINDOW
    assert graph.calls == []


@pytest.mark.parametrize(
    ("psid", "permanent"), [("blocked", True), ("late", True), ("busy", False), ("down", False)]
)
async def test_messenger_sorts_graph_refusals(graph: Platform, psid: str, permanent: bool) -> None:
    channel = messenger_channel(on_graph(graph.url), db=NO_DB)
    with pytest.raises(PermanentError if permanent else TransientError) as refused:
        await channel.send(notice(), messenger_to(psid))
    assert len(graph.calls) == 1
    if psid == "late":
        assert refused.value.reason == OUTSIDE_WINDOW
    if psid == "blocked":
        assert "551" in refused.value.reason


async def test_a_refused_page_token_is_tried_again_not_blamed_on_the_citizen(
    graph: Platform,
) -> None:
    channel = messenger_channel(on_graph(graph.url, token="expired"), db=NO_DB)
    with pytest.raises(TransientError, match="jeton"):
        await channel.send(notice(), messenger_to("6543210"))


async def test_facebook_unreachable_is_transient() -> None:
    channel = messenger_channel(on_graph(f"http://127.0.0.1:{free_port()}"), db=NO_DB)
    with pytest.raises(TransientError, match="injoignable"):
        await channel.send(notice(), messenger_to("6543210"))


async def test_the_chatbot_reply_is_signed_like_what_the_platform_sends_us(bot: Platform) -> None:
    channel = chatbot_channel(on_platform(bot.url), db=NO_DB)
    to = ContactPoint(channel="chatbot", address="conv-7", extra={"conversation_id": "conv-7"})
    sent = await channel.send(notice("agent_reply", text="Le trou sera rebouché lundi."), to)
    [call] = bot.calls
    assert sent.provider_id == "bot-1"
    assert call["method"] == "POST" and call["path"] == "/relais/replies"
    assert call["headers"]["idempotency-key"] == "n-1"
    assert call["headers"]["x-relais-signature"].startswith("sha256=")
    body = call["json"]
    assert body["conversation_id"] == "conv-7"
    assert body["reference"] == "2026-S000042"
    assert body["idempotency_key"] == "n-1"
    assert body["status_url"] == STATUS_URL
    assert "Le trou sera rebouché lundi." in body["text"] and STATUS_URL in body["text"]
    assert "é" in call["raw"].decode()  # UTF-8 JSON, signed as sent


async def test_the_platform_refuses_a_wrong_secret_and_we_try_again_later(bot: Platform) -> None:
    channel = chatbot_channel(on_platform(bot.url, secret="not-the-shared-secret"), db=NO_DB)
    with pytest.raises(TransientError, match="401"):
        await channel.send(notice(), ContactPoint(channel="chatbot", address="conv-7"))
    assert len(bot.calls) == 1


@pytest.mark.parametrize(
    ("conversation", "permanent"), [("gone", True), ("unknown", True), ("broken", False)]
)
async def test_chatbot_refusals_are_sorted(
    bot: Platform, conversation: str, permanent: bool
) -> None:
    channel = chatbot_channel(on_platform(bot.url), db=NO_DB)
    with pytest.raises(PermanentError if permanent else TransientError) as refused:
        await channel.send(notice(), ContactPoint(channel="chatbot", address=conversation))
    if conversation == "gone":
        assert refused.value.reason == CONVERSATION_CLOSED


async def test_chatbot_unreachable_is_transient() -> None:
    channel = chatbot_channel(on_platform(f"http://127.0.0.1:{free_port()}/r"), db=NO_DB)
    with pytest.raises(TransientError, match="injoignable"):
        await channel.send(notice(), ContactPoint(channel="chatbot", address="conv-7"))


async def test_the_sinks_keep_what_would_be_sent(mongo_db: AsyncDatabase[Document]) -> None:
    settings = NotificationSettings()
    messenger = messenger_channel(settings, db=mongo_db)
    bot = chatbot_channel(settings, db=mongo_db)
    first = await messenger.send(notice(key="fb-1"), messenger_to("6543210"))
    to_bot = ContactPoint(channel="chatbot", address="conv-7", extra={"conversation_id": "conv-7"})
    await bot.send(notice("citizen_asked", key="bot-1", text="Quelle rue ?"), to_bot)
    assert first.provider_id and first.provider_id.startswith("sink-")
    kept = {doc["key"]: doc async for doc in mongo_db[SINK].find()}
    assert set(kept) == {"fb-1", "bot-1"}
    facebook, chatbot = kept["fb-1"], kept["bot-1"]
    assert facebook["channel"] == "facebook" and facebook["address"] == "6543210"
    assert facebook["payload"]["recipient"] == {"id": "6543210"}
    assert facebook["payload"]["messaging_type"] == "RESPONSE"
    assert STATUS_URL in facebook["payload"]["message"]["text"]
    assert chatbot["channel"] == "chatbot" and chatbot["address"] == "conv-7"
    assert chatbot["payload"]["conversation_id"] == "conv-7"
    assert "Quelle rue ?" in chatbot["payload"]["text"]
    with pytest.raises(PermanentError):  # the sink obeys Messenger's window too
        await messenger.send(notice(key="fb-2"), messenger_to("6543210", hours_ago=25))
    await messenger.send(notice(key="fb-1"), messenger_to("6543210"))  # a duplicate shows
    assert await mongo_db[SINK].count_documents({"key": "fb-1"}) == 2
    assert await mongo_db[SINK].count_documents({"key": "fb-2"}) == 0
