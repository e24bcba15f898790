"""Helpers for the web channels adapter's integration tests (no tests here): the real app
served over HTTP on 127.0.0.1, signed webhook posts, and what landed on the topic."""

import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from pymongo.asynchronous.database import AsyncDatabase

from services.web.app import build_app
from services.web.settings import WebSettings
from shared.envelope import Envelope
from shared.kafka.topics import REQUESTS, topic_specs
from shared.mongo import Document, connect
from shared.signatures import sign_chatbot, sign_facebook
from tests.conftest import KAFKA, MONGODB_URI, namespaced
from tests.support import eventually, serve_app
from tests.support import published as read_published

APP_SECRET = "secret-de-l-application-facebook-des-tests"
VERIFY_TOKEN = "jeton-de-verification-des-tests"
CHATBOT_SECRET = "secret-du-chatbot-pour-les-tests"
PAGE_ID = "104857600000001"
REQUEST_PARTITIONS = next(s.partitions for s in topic_specs() if s.name == REQUESTS)


def web_settings(topic_prefix: str, **overrides: Any) -> WebSettings:
    fields: dict[str, Any] = {
        **namespaced(topic_prefix, "web"),
        "facebook_verify_token": VERIFY_TOKEN,
        "facebook_app_secret": APP_SECRET,
        "chatbot_secret": CHATBOT_SECRET,
        "contact_rate_limit": "1000/minute",
        "public_tracking_url": "http://suivi.example/demandes/{reference}",
    }
    fields.update(overrides)
    return WebSettings(**fields)


@dataclass
class RunningWeb:
    settings: WebSettings
    client: httpx.AsyncClient
    db: AsyncDatabase[Document]

    @property
    def topic(self) -> str:
        return self.settings.topic_prefix + REQUESTS

    async def facebook(
        self, payload: dict[str, Any], *, secret: str = APP_SECRET
    ) -> httpx.Response:
        body = json.dumps(payload).encode()
        headers = {
            "content-type": "application/json",
            "x-hub-signature-256": sign_facebook(secret=secret, body=body),
        }
        return await self.client.post("/v1/facebook/webhook", content=body, headers=headers)

    async def chatbot(
        self,
        payload: dict[str, Any],
        *,
        secret: str = CHATBOT_SECRET,
        timestamp: int | None = None,
    ) -> httpx.Response:
        body = json.dumps(payload).encode()
        stamp = int(time.time()) if timestamp is None else timestamp
        headers = {
            "content-type": "application/json",
            "x-relais-timestamp": str(stamp),
            "x-relais-signature": sign_chatbot(secret=secret, timestamp=stamp, body=body),
        }
        return await self.client.post("/v1/chatbot/webhook", content=body, headers=headers)

    async def events(self) -> list[Envelope]:
        return await published(self.topic)

    async def directory_knows(self, request_id: str) -> None:
        """Wait until the adapter's directory consumer has recorded the request."""

        async def known() -> bool:
            return await self.db["directory_requests"].find_one({"_id": request_id}) is not None

        await eventually(known)


@asynccontextmanager
async def running_web(settings: WebSettings, *, drop: bool = True) -> AsyncIterator[RunningWeb]:
    """The web adapter under uvicorn; its database is dropped afterwards unless `drop` is False."""
    mongo = connect(uri=MONGODB_URI)
    try:
        async with (
            serve_app(build_app(settings)) as base,
            httpx.AsyncClient(base_url=base, timeout=20) as client,
        ):
            yield RunningWeb(settings=settings, client=client, db=mongo[settings.database_name])
    finally:
        if drop:
            await mongo.drop_database(settings.database_name)
        await mongo.close()


async def published(topic: str) -> list[Envelope]:
    """Every event on the topic up to its current end (adapters answer after the ack)."""
    return await read_published(KAFKA, topic)


def page_message(
    *,
    psid: str,
    mid: str,
    text: str | None = "Bonjour",
    attachments: list[dict[str, Any]] | None = None,
    echo: bool = False,
) -> dict[str, Any]:
    """One `messaging` event of a page webhook."""
    message: dict[str, Any] = {"mid": mid}
    if text is not None:
        message["text"] = text
    if attachments:
        message["attachments"] = attachments
    if echo:
        message["is_echo"] = True
    sender, recipient = (PAGE_ID, psid) if echo else (psid, PAGE_ID)
    return {
        "sender": {"id": sender},
        "recipient": {"id": recipient},
        "timestamp": int(time.time() * 1000),
        "message": message,
    }


def page_webhook(*messaging: dict[str, Any]) -> dict[str, Any]:
    now = int(time.time() * 1000)
    return {"object": "page", "entry": [{"id": PAGE_ID, "time": now, "messaging": list(messaging)}]}
