"""Helpers for the desk adapter's integration tests (no tests here): the real app served
over HTTP on 127.0.0.1, agents' tokens, and what landed on the topic."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from services.desk.app import build_app
from services.desk.settings import DeskSettings
from shared.auth import Agent, issue_token
from shared.envelope import Envelope
from shared.kafka.topics import REQUESTS, topic_specs
from shared.mongo import connect
from tests.conftest import KAFKA, MONGODB_URI, namespaced
from tests.support import published as read_published
from tests.support import serve_app

AGENT_SECRET = "secret-des-agents-pour-les-tests-du-guichet"
TELEPHONY_SECRET = "secret-de-la-telephonie-pour-les-tests"
JULIE = Agent(agent_id="julie-moreau", name="Julie Moreau", department="accueil")
REQUEST_PARTITIONS = next(s.partitions for s in topic_specs() if s.name == REQUESTS)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def agent_headers(agent: Agent = JULIE, *, secret: str = AGENT_SECRET) -> dict[str, str]:
    return {"authorization": f"Bearer {issue_token(agent=agent, secret=secret)}"}


def desk_settings(topic_prefix: str, **overrides: Any) -> DeskSettings:
    fields: dict[str, Any] = {
        **namespaced(topic_prefix, "desk"),
        "agent_jwt_secret": AGENT_SECRET,
        "telephony_webhook_secret": TELEPHONY_SECRET,
        "public_tracking_url": "http://suivi.example/demandes/{reference}",
    }
    fields.update(overrides)
    return DeskSettings(**fields)


@dataclass
class RunningDesk:
    settings: DeskSettings
    client: httpx.AsyncClient

    @property
    def topic(self) -> str:
        return self.settings.topic_prefix + REQUESTS


@asynccontextmanager
async def running_desk(settings: DeskSettings, *, drop: bool = True) -> AsyncIterator[RunningDesk]:
    """The desk app under uvicorn; its database is dropped afterwards unless `drop` is False."""
    try:
        async with (
            serve_app(build_app(settings)) as base,
            httpx.AsyncClient(base_url=base, timeout=20) as client,
        ):
            yield RunningDesk(settings=settings, client=client)
    finally:
        if drop:
            await drop_database(settings.database_name)


async def drop_database(name: str) -> None:
    client = connect(uri=MONGODB_URI)
    await client.drop_database(name)
    await client.close()


async def published(topic: str) -> list[Envelope]:
    """Every event on the topic up to its current end (adapters answer after the ack)."""
    return await read_published(KAFKA, topic)


def letter_files(data: str, *, scan: bytes = PDF, kind: str = "application/pdf") -> dict:
    return {"data": (None, data, "application/json"), "scan": ("lettre.pdf", scan, kind)}
