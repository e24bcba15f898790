"""The outside platforms notification sends to, as real HTTP servers on 127.0.0.1: the
Messenger Send API (Graph API), the chatbot platform's reply webhook and an SMS gateway.
Each records what it received and answers as the real one does when all goes well."""

import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from shared.signatures import SignatureRefused, check_chatbot
from tests.support import serve_app

PAGE_TOKEN = "EAAB-page-token-of-the-town"
CHATBOT_SECRET = "chatbot-secret-shared-with-the-platform"
SMS_API_KEY = "sms-gateway-api-key"


@dataclass
class Platform:
    url: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


@dataclass
class Platforms:
    graph: Platform
    chatbot: Platform
    sms: Platform

    def env(self) -> dict[str, str]:
        """Notification's settings that send to these platforms."""
        return {
            "FACEBOOK_TRANSPORT": "graph",
            "FACEBOOK_GRAPH_URL": self.graph.url,
            "FACEBOOK_PAGE_TOKEN": PAGE_TOKEN,
            "CHATBOT_TRANSPORT": "webhook",
            "CHATBOT_REPLY_URL": self.chatbot.url,
            "CHATBOT_SECRET": CHATBOT_SECRET,
            "SMS_GATEWAY": "http",
            "SMS_GATEWAY_URL": self.sms.url,
            "SMS_API_KEY": SMS_API_KEY,
        }


def graph_api(platform: Platform) -> FastAPI:
    app = FastAPI()

    @app.post("/v23.0/me/messages")
    async def send(request: Request) -> JSONResponse:
        if request.headers.get("authorization") != f"Bearer {PAGE_TOKEN}":
            platform.refused.append("page token")
            return JSONResponse({"error": {"code": 190, "message": "Invalid OAuth token"}}, 401)
        body = await request.json()
        platform.received.append(body)
        psid = body["recipient"]["id"]
        return JSONResponse({"recipient_id": psid, "message_id": f"m_{len(platform.received)}"})

    return app


def chatbot_platform(platform: Platform) -> FastAPI:
    app = FastAPI()

    @app.post("/relais/replies")
    async def reply(request: Request) -> JSONResponse:
        raw = await request.body()
        try:
            check_chatbot(
                secret=CHATBOT_SECRET,
                body=raw,
                timestamp=request.headers.get("x-relais-timestamp"),
                signature=request.headers.get("x-relais-signature"),
                now=time.time(),
                max_skew_s=300,
            )
        except SignatureRefused as refused:
            platform.refused.append(refused.detail)
            return JSONResponse({"detail": refused.detail}, refused.status)
        platform.received.append(json.loads(raw))
        return JSONResponse({"message_id": f"bot-{len(platform.received)}"}, 201)

    return app


def sms_gateway(platform: Platform) -> FastAPI:
    app = FastAPI()

    @app.post("/api/v1/sms")
    async def send(request: Request) -> JSONResponse:
        if request.headers.get("authorization") != f"Bearer {SMS_API_KEY}":
            platform.refused.append("api key")
            return JSONResponse({"detail": "unauthorised"}, 401)
        platform.received.append(await request.json())
        return JSONResponse({"id": f"gw-{len(platform.received)}"}, 201)

    return app


@asynccontextmanager
async def running_platforms() -> AsyncIterator[Platforms]:
    platforms = Platforms(graph=Platform(), chatbot=Platform(), sms=Platform())
    async with (
        serve_app(graph_api(platforms.graph)) as graph,
        serve_app(chatbot_platform(platforms.chatbot)) as chatbot,
        serve_app(sms_gateway(platforms.sms)) as sms,
    ):
        platforms.graph.url = graph
        platforms.chatbot.url = chatbot + "/relais/replies"
        platforms.sms.url = sms + "/api/v1/sms"
        yield platforms
