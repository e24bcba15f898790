"""A documents service over real HTTP on the real broker and store, with a link recorder."""

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from services.documents.app import build_app
from services.documents.context import Documents
from services.documents.settings import DocumentsSettings
from shared.auth import DEV_SECRET, Agent, issue_token
from shared.envelope import Envelope
from shared.events import Department, RequestRouted, RequestSubmitted
from shared.kafka.producer import EventPublisher
from shared.mongo import connect
from tests.conftest import KAFKA, MONGODB_URI
from tests.factories import submitted
from tests.support import eventually, serve_app

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
URBANISME = Department(code="urbanisme", label="Urbanisme")


@dataclass
class LinkRecorder:
    sent: list[tuple[str, str]] = field(default_factory=list)

    async def send(self, *, to: str, link: str, minutes: int) -> None:
        self.sent.append((to, link))


@dataclass
class Running:
    http: httpx.AsyncClient
    ctx: Documents
    links: LinkRecorder
    prefix: str

    async def login(self, email: str = "camille@example.org") -> dict[str, str]:
        answer = await self.http.post("/v1/citizen/magic-links", json={"email": email})
        assert answer.status_code == 202, answer.text
        token = link_token(self.links.sent[-1][1])
        session = await self.http.post("/v1/citizen/sessions", json={"token": token})
        assert session.status_code == 200, session.text
        return {"authorization": f"Bearer {session.json()['access_token']}"}

    async def upload(
        self, auth: dict[str, str], content: bytes, filename: str, kept_for: str = "own"
    ) -> httpx.Response:
        return await self.http.post(
            "/v1/citizen/documents",
            params={"filename": filename, "kept_for": kept_for},
            content=content,
            headers=auth | {"content-type": "application/octet-stream"},
        )


def link_token(link: str) -> str:
    """The token of a magic link, in its query (`?jeton=`) or its fragment."""
    return re.split(r"[#=]", link)[-1]


def agent_auth(department: str, *roles: str) -> dict[str, str]:
    agent = Agent(
        agent_id=f"agent-{department}", name="Agent", department=department, roles=list(roles)
    )
    return {"authorization": f"Bearer {issue_token(agent=agent, secret=DEV_SECRET)}"}


@asynccontextmanager
async def running_documents(prefix: str, **overrides: object) -> AsyncIterator[Running]:
    database_prefix = f"t{uuid.uuid4().hex[:8]}_"
    overrides.setdefault("magic_link_interval_s", 0)
    settings = DocumentsSettings(
        kafka_bootstrap_servers=KAFKA,
        topic_prefix=prefix,
        mongodb_uri=MONGODB_URI,
        database_prefix=database_prefix,
        **overrides,  # type: ignore[arg-type]
    )
    links = LinkRecorder()
    app = build_app(settings, sender=links)
    try:
        async with serve_app(app) as base, httpx.AsyncClient(base_url=base, timeout=60) as http:
            yield Running(http=http, ctx=app.state.documents, links=links, prefix=prefix)
    finally:
        client = connect(uri=MONGODB_URI)
        for name in await client.list_database_names():
            if name.startswith(database_prefix):
                await client.drop_database(name)
        await client.close()


async def publish_request(
    publisher: EventPublisher,
    running: Running,
    *,
    department: Department = URBANISME,
    **overrides: object,
) -> RequestSubmitted:
    """A request submitted and routed, once the documents service has seen both."""
    request = submitted(**overrides)
    await publisher.publish(Envelope(data=request, source="/tests"))
    routed = RequestRouted(
        request_id=request.request_id,
        reference=request.reference,
        department=department,
        due_at=datetime.now(UTC),
        rule="test",
        explanation="test",
        routed_at=datetime.now(UTC),
    )
    await publisher.publish(Envelope(data=routed, source="/tests"))

    async def projected() -> bool:
        doc = await running.ctx.db["requests"].find_one({"_id": request.request_id})
        return doc is not None and doc.get("department") == department.code

    await eventually(projected)
    return request
