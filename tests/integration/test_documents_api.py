"""The documents service over real HTTP, fed by real request events: magic links, checked
uploads, the citizen's space, sharing with agents' department rules, reads, withdrawal."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from services.documents import retention
from services.documents.mailer import SmtpLinkSender
from shared.envelope import Envelope, decode
from shared.events import RequestStatus, RequestStatusChanged
from shared.kafka.producer import EventPublisher
from shared.kafka.topics import DOCUMENTS, REQUESTS
from tests.conftest import KAFKA
from tests.factories import TOKEN
from tests.integration.documents_support import (
    EICAR,
    EXE,
    PDF,
    Running,
    agent_auth,
    link_token,
    publish_request,
    running_documents,
)
from tests.support import eventually, free_port, read_log


@pytest.fixture
async def running(topic_prefix: str) -> AsyncIterator[Running]:
    async with running_documents(topic_prefix, max_upload_bytes=64 * 1024) as run:
        yield run


async def _files(running: Running) -> int:
    return await running.ctx.db["files.files"].count_documents({})


async def test_a_magic_link_opens_a_session_once(running: Running) -> None:
    assert (await running.http.get("/v1/citizen/documents")).status_code == 401
    auth = await running.login()
    listed = await running.http.get("/v1/citizen/documents", headers=auth)
    assert listed.status_code == 200 and listed.json()["items"] == []
    token = link_token(running.links.sent[-1][1])
    again = await running.http.post("/v1/citizen/sessions", json={"token": token})
    assert again.status_code == 401
    assert "déjà servi" in again.json()["detail"]
    forged = await running.http.post("/v1/citizen/sessions", json={"token": token[:-4] + "abcd"})
    assert forged.status_code == 401


async def test_links_to_one_address_are_throttled(topic_prefix: str) -> None:
    async with running_documents(topic_prefix, magic_link_interval_s=60) as running:
        for email in ("camille@example.org", "Camille@Example.org", "autre@example.org"):
            answer = await running.http.post("/v1/citizen/magic-links", json={"email": email})
            assert answer.status_code == 202
        assert [to for to, _ in running.links.sent] == ["camille@example.org", "autre@example.org"]


async def test_the_link_goes_out_by_smtp() -> None:
    received: list[bytes] = []

    class Handler:
        async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
            received.append(envelope.content)
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        sender = SmtpLinkSender(host="127.0.0.1", port=port, sender="mairie@ville.example")
        await sender.send(
            to="camille@example.org", link="https://ville.example/e#jeton", minutes=15
        )
    finally:
        controller.stop()
    message = message_from_bytes(received[0], policy=default)
    assert message["To"] == "camille@example.org"
    assert "https://ville.example/e#jeton" in message.get_content()


async def test_type_is_read_from_content_and_eicar_is_refused(running: Running) -> None:
    auth = await running.login()
    pdf = await running.upload(auth, PDF, "facture.exe")
    assert pdf.status_code == 201, pdf.text
    assert pdf.json()["content_type"] == "application/pdf"
    exe = await running.upload(auth, EXE, "justificatif.pdf")
    assert exe.status_code == 415
    assert exe.headers["content-type"].startswith("application/problem+json")
    assert "justificatif.pdf" in exe.json()["detail"]
    virus = await running.upload(auth, EICAR, "attestation.txt")
    assert virus.status_code == 422
    assert "contient un virus" in virus.json()["detail"]
    big = await running.upload(auth, PDF + b"\0" * 70_000, "gros.pdf")
    assert big.status_code == 413
    listed = (await running.http.get("/v1/citizen/documents", headers=auth)).json()["items"]
    assert [d["filename"] for d in listed] == ["facture.exe"]
    assert await _files(running) == 1


async def test_list_download_rename_delete(running: Running) -> None:
    auth = await running.login()
    other = await running.login("autre@example.org")
    doc = (await running.upload(auth, PDF, "avis.pdf")).json()
    url = f"/v1/citizen/documents/{doc['document_id']}"
    content = await running.http.get(url + "/content", headers=auth)
    assert content.content == PDF and content.headers["content-type"] == "application/pdf"
    assert (await running.http.get(url + "/content", headers=other)).status_code == 404
    renamed = await running.http.patch(url, json={"filename": "avis 2026.pdf"}, headers=auth)
    assert renamed.json()["filename"] == "avis 2026.pdf"
    assert (await running.http.delete(url, headers=other)).status_code == 404
    assert (await running.http.delete(url, headers=auth)).status_code == 204
    assert (await running.http.get(url, headers=auth)).status_code == 404
    assert await _files(running) == 0


async def test_sharing_follows_department_rules_and_reads_are_shown(
    running: Running, publisher: EventPublisher
) -> None:
    request = await publish_request(publisher, running)
    auth = await running.login()
    doc = (await running.upload(auth, PDF, "plan.pdf")).json()
    url = f"/v1/citizen/documents/{doc['document_id']}"
    wrong = {"reference": request.reference, "tracking_token": "mauvais"}
    assert (await running.http.post(url + "/shares", json=wrong, headers=auth)).status_code == 404
    body = {"reference": request.reference, "tracking_token": TOKEN}
    shared = await running.http.post(url + "/shares", json=body, headers=auth)
    assert shared.status_code == 201, shared.text
    agent_url = f"/v1/agent/requests/{request.request_id}/documents"
    content_url = f"{agent_url}/{doc['document_id']}/content"
    urbanisme, voirie = agent_auth("urbanisme"), agent_auth("services_techniques")
    listed = await running.http.get(agent_url, headers=urbanisme)
    assert [d["id"] for d in listed.json()] == [doc["document_id"]]
    assert (await running.http.get(agent_url, headers=voirie)).status_code == 404
    assert (await running.http.get(content_url, headers=voirie)).status_code == 404
    assert (await running.http.get(content_url, headers=agent_auth("x", "admin"))).content == PDF
    read = await running.http.get(content_url, headers=urbanisme)
    assert read.status_code == 200 and read.content == PDF
    mine = (await running.http.get(url, headers=auth)).json()
    assert len(mine["reads"]) == 2
    assert mine["reads"][-1]["text"].startswith("consulté par le service Urbanisme le ")
    share_id = shared.json()["share_id"]
    gone = await running.http.delete(f"{url}/shares/{share_id}", headers=auth)
    assert gone.status_code == 204
    assert (await running.http.get(content_url, headers=urbanisme)).status_code == 404
    assert (await running.http.get(agent_url, headers=urbanisme)).json() == []
    timeline = [decode(r) for r in await read_log(KAFKA, running.prefix + REQUESTS)]
    kinds = [e.type for e in timeline if e.key == request.request_id]
    assert "relais.request.document_shared.v1" in kinds
    assert "relais.request.document_withdrawn.v1" in kinds
    stream = await read_log(KAFKA, running.prefix + DOCUMENTS)
    types = [dict(r.headers)["ce_type"].decode() for r in stream]
    assert types.count("relais.document.read.v1") == 2


async def test_request_only_documents_expire_after_the_request_closed(
    running: Running, publisher: EventPublisher
) -> None:
    request = await publish_request(publisher, running)
    auth = await running.login()
    body = {"reference": request.reference, "tracking_token": TOKEN}
    kept = (await running.upload(auth, PDF, "pour-la-demande.pdf", kept_for="request")).json()
    own = (await running.upload(auth, PDF, "a-moi.pdf")).json()
    for doc in (kept, own):
        url = f"/v1/citizen/documents/{doc['document_id']}/shares"
        assert (await running.http.post(url, json=body, headers=auth)).status_code == 201
    now = datetime.now(UTC)
    assert await retention.purge(running.ctx, now=now) == 0  # still open
    closed_at = now - timedelta(days=running.ctx.settings.request_retention_days + 1)
    closed = RequestStatusChanged(
        request_id=request.request_id,
        reference=request.reference,
        status=RequestStatus.CLOSED,
        actor="agent",
        changed_at=closed_at,
    )
    await publisher.publish(Envelope(data=closed, source="/tests"))

    async def projected() -> bool:
        doc = await running.ctx.db["requests"].find_one({"_id": request.request_id})
        return doc is not None and doc.get("closed_at") is not None

    await eventually(projected)
    assert await retention.purge(running.ctx, now=now) == 1
    listed = (await running.http.get("/v1/citizen/documents", headers=auth)).json()["items"]
    assert [d["document_id"] for d in listed] == [own["document_id"]]
