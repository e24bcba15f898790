"""Agents fetch a channel's attachment through the documents service, which gets it from the
real portal adapter over HTTP with a signed link: no service reads another's database."""

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
from pydantic import SecretStr

from services.documents.attachments import ATTACHMENT_READS
from services.portal.app import build_app as build_portal
from services.portal.settings import PortalSettings
from shared.attachment_links import download_router
from shared.envelope import Envelope
from shared.events import RequestRouted
from shared.http import create_app
from shared.kafka.producer import EventPublisher
from shared.mongo import Document, connect
from tests.conftest import KAFKA, MONGODB_URI
from tests.integration.documents_support import (
    PDF,
    URBANISME,
    Running,
    agent_auth,
    running_documents,
)
from tests.support import eventually, free_port, serve_app

KEY = SecretStr("clé-partagée-portail-et-documents")


@dataclass
class World:
    documents: Running
    request_id: str
    attachment_id: str

    @property
    def content_url(self) -> str:
        base = f"/v1/agent/requests/{self.request_id}"
        return f"{base}/attachments/{self.attachment_id}/content"


@pytest.fixture
async def portal(topic_prefix: str) -> AsyncIterator[str]:
    database = f"test_portal_{uuid.uuid4().hex[:8]}"
    settings = PortalSettings(
        kafka_bootstrap_servers=KAFKA,
        topic_prefix=topic_prefix,
        mongodb_uri=MONGODB_URI,
        mongodb_database=database,
        attachment_link_key=KEY,
    )
    try:
        async with serve_app(build_portal(settings)) as base:
            yield base
    finally:
        client = connect(uri=MONGODB_URI)
        await client.drop_database(database)
        await client.close()


@pytest.fixture
async def world(topic_prefix: str, portal: str, publisher: EventPublisher) -> AsyncIterator[World]:
    async with running_documents(
        topic_prefix, attachment_adapters={"portal": portal}, attachment_link_key=KEY
    ) as documents:
        body = {
            "category": "urbanisme",
            "description": "Voici le plan de ma clôture pour la déclaration préalable.",
            "citizen": {"email": "camille@example.org", "name": "Camille Martin"},
        }
        async with httpx.AsyncClient(base_url=portal, timeout=30) as http:
            filed = await http.post(
                "/v1/forms/demande_generale",
                data={"data": json.dumps(body)},
                files=[("files", ("plan clôture.pdf", PDF, "application/pdf"))],
                headers={"Idempotency-Key": uuid.uuid4().hex},
            )
        assert filed.status_code == 202, filed.text
        answer = filed.json()
        routed = RequestRouted(
            request_id=answer["id"],
            reference=answer["reference"],
            department=URBANISME,
            due_at=datetime.now(UTC),
            rule="test",
            explanation="test",
            routed_at=datetime.now(UTC),
        )
        await publisher.publish(Envelope(data=routed, source="/tests"))

        async def projected() -> bool:
            doc = await documents.ctx.db["requests"].find_one({"_id": answer["id"]})
            return bool(doc and doc.get("department") and doc.get("attachments"))

        await eventually(projected)
        doc = await documents.ctx.db["requests"].find_one({"_id": answer["id"]})
        assert doc is not None
        yield World(documents, answer["id"], doc["attachments"][0]["attachment_id"])


async def test_the_department_reads_the_portal_attachment_and_the_read_is_recorded(
    world: World,
) -> None:
    http = world.documents.http
    listed = await http.get(
        f"/v1/agent/requests/{world.request_id}/documents", headers=agent_auth("urbanisme")
    )
    assert [(d["kind"], d["id"]) for d in listed.json()] == [("attachment", world.attachment_id)]
    read = await http.get(world.content_url, headers=agent_auth("urbanisme"))
    assert read.status_code == 200, read.text
    assert read.content == PDF
    assert read.headers["content-type"] == "application/pdf"
    assert "plan%20cl%C3%B4ture.pdf" in read.headers["content-disposition"]
    reads = await world.documents.ctx.db[ATTACHMENT_READS].find({}).to_list()
    assert [(r["attachment_id"], r["agent_id"]) for r in reads] == [
        (world.attachment_id, "agent-urbanisme")
    ]


async def test_another_department_and_unknown_attachments_get_404(world: World) -> None:
    http = world.documents.http
    theirs = await http.get(world.content_url, headers=agent_auth("ccas"))
    assert theirs.status_code == 404
    unknown = world.content_url.replace(world.attachment_id, "0" * 32)
    missing = await http.get(unknown, headers=agent_auth("urbanisme"))
    assert missing.status_code == 404
    assert "pièce jointe" in missing.json()["detail"]
    assert await world.documents.ctx.db[ATTACHMENT_READS].count_documents({}) == 0


async def test_an_adapter_down_or_refusing_the_link_is_a_503_not_a_500(world: World) -> None:
    adapters = world.documents.ctx.settings.attachment_adapters
    http, urbanisme = world.documents.http, agent_auth("urbanisme")
    portal_url = adapters["portal"]
    # An adapter holding another key refuses every link signed here: a configuration error.
    other = create_app(title="portal", description="another key")
    other.include_router(
        download_router(blobs=_NoBlobs(), adapter="portal", key=SecretStr("une-autre-clé-xx"))
    )
    try:
        async with serve_app(other) as other_url:
            adapters["portal"] = other_url
            refused = await http.get(world.content_url, headers=urbanisme)
        assert refused.status_code == 503
        assert refused.headers["content-type"] == "application/problem+json"
        assert "ne répond pas" in refused.json()["detail"]
        adapters["portal"] = f"http://127.0.0.1:{free_port()}"
        down = await http.get(world.content_url, headers=urbanisme)
        assert down.status_code == 503 and down.headers["retry-after"] == "10"
    finally:
        adapters["portal"] = portal_url
    assert (await http.get(world.content_url, headers=urbanisme)).content == PDF


class _NoBlobs:
    async def attachment(self, attachment_id: str) -> Document | None:
        return None
