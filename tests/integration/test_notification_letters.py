"""Postal letters through the real store and the notification app over real HTTP: queued once
per notice, listed by page, downloaded, printed in one batch, marked posted once."""

import asyncio
import io
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pymongo.asynchronous.database import AsyncDatabase
from pypdf import PdfReader

from services.notification.app import build_app
from services.notification.channels.base import ContactPoint, Notice, PermanentError
from services.notification.channels.postal import PostalChannel
from services.notification.settings import NotificationSettings
from shared.auth import DEV_SECRET, Agent, issue_token
from shared.mongo import Document, connect
from tests.conftest import KAFKA, MONGODB_URI
from tests.support import serve_app

PROBLEM = "application/problem+json"
HOME = ContactPoint(
    channel="postal", address="12 rue des Lilas\n99999 VILLE-EXEMPLE", name="Joëlle Lefèvre"
)


@dataclass
class Running:
    http: httpx.AsyncClient
    channel: PostalChannel
    db: AsyncDatabase[Document]


def auth(name: str = "Paul Courrier", department: str = "accueil", *roles: str) -> dict[str, str]:
    agent = Agent(
        agent_id=name.lower().replace(" ", "."), name=name, department=department, roles=[*roles]
    )
    return {"authorization": f"Bearer {issue_token(agent=agent, secret=DEV_SECRET)}"}


def notice(n: int, *, key: str | None = None) -> Notice:
    return Notice(
        key=key or f"evt-{n}:citizen:postal",
        request_id=f"req-{n}",
        reference=f"2026-C{n:06d}",
        template="acknowledgement",
        context={"tracking_code": f"CODE-{n:04d}"},
        created_at=datetime(2026, 12, 2, 9, tzinfo=UTC) + timedelta(minutes=n),
    )


@pytest.fixture
async def running(topic_prefix: str) -> AsyncIterator[Running]:
    database_prefix = f"t{uuid.uuid4().hex[:8]}_"
    settings = NotificationSettings(
        kafka_bootstrap_servers=KAFKA,
        topic_prefix=topic_prefix,
        mongodb_uri=MONGODB_URI,
        database_prefix=database_prefix,
    )
    app = build_app(settings)
    channel = PostalChannel(db=app.state.mailroom.db, settings=settings)
    try:
        async with serve_app(app) as base, httpx.AsyncClient(base_url=base, timeout=60) as http:
            yield Running(http=http, channel=channel, db=app.state.mailroom.db)
    finally:
        client = connect(uri=MONGODB_URI)
        await client.drop_database(settings.database_name)
        await client.close()


def pages_of(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


async def test_a_notice_queues_one_letter_even_when_sent_again(running: Running) -> None:
    first = await running.channel.send(notice(1), HOME)
    again = await running.channel.send(notice(1), HOME)
    assert first.provider_id and again.provider_id == first.provider_id
    later = replace(notice(1), created_at=datetime.now(UTC))  # rebuilt on a retry
    assert (await running.channel.send(later, HOME)).provider_id == first.provider_id
    racing = await asyncio.gather(*(running.channel.send(notice(2), HOME) for _ in range(4)))
    assert len({sent.provider_id for sent in racing}) == 1
    listed = await running.http.get("/v1/letters", headers=auth())
    assert listed.status_code == 200
    letter, _ = listed.json()["items"]
    assert letter["id"] == first.provider_id and letter["state"] == "queued"
    assert letter["reference"] == "2026-C000001" and letter["recipient"] == "Joëlle Lefèvre"
    assert letter["subject"] == "Accusé de réception de votre demande" and letter["pages"] == 1


async def test_no_address_queues_nothing(running: Running) -> None:
    with pytest.raises(PermanentError, match="Adresse postale absente"):
        await running.channel.send(notice(1), ContactPoint(channel="postal", address=""))
    listed = await running.http.get("/v1/letters", headers=auth())
    assert listed.json()["items"] == []


async def test_pages_download_batch_and_posted_marking(running: Running) -> None:
    ids = [(await running.channel.send(notice(n), HOME)).provider_id for n in range(1, 6)]
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params = {"limit": "2"} | ({"cursor": cursor} if cursor else {})
        page = (await running.http.get("/v1/letters", params=params, headers=auth())).json()
        seen += [item["id"] for item in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert seen == ids  # oldest first, each once

    pdf = await running.http.get(f"/v1/letters/{ids[0]}.pdf", headers=auth())
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert "courrier-2026-C000001.pdf" in pdf.headers["content-disposition"]
    [text] = pages_of(pdf.content)
    assert "Joëlle Lefèvre" in text and "Votre code de suivi : CODE-0001" in text

    batch = await running.http.get("/v1/letters/batch.pdf", headers=auth())
    assert batch.status_code == 200 and batch.headers["x-letters"] == "5"
    texts = pages_of(batch.content)
    assert [f"2026-C00000{n}" in t for n, t in zip(range(1, 6), texts, strict=True)] == [True] * 5
    duplex = await running.http.get("/v1/letters/batch.pdf?recto_verso=true", headers=auth())
    assert len(pages_of(duplex.content)) == 10

    posted = await running.http.post(f"/v1/letters/{ids[0]}/posted", headers=auth())
    assert posted.status_code == 200
    body = posted.json()
    assert body["state"] == "posted" and body["posted_by"]["name"] == "Paul Courrier"
    again = await running.http.post(f"/v1/letters/{ids[0]}/posted", headers=auth("Léa Autre"))
    assert again.status_code == 200 and again.json() == body  # first marking kept
    queued = (await running.http.get("/v1/letters", headers=auth())).json()["items"]
    assert [item["id"] for item in queued] == ids[1:]
    done = (await running.http.get("/v1/letters?state=posted", headers=auth())).json()["items"]
    assert [item["id"] for item in done] == ids[:1]
    batch = await running.http.get("/v1/letters/batch.pdf", headers=auth())
    assert batch.headers["x-letters"] == "4"
    indexes = await running.db["letters"].index_information()
    assert indexes["posted_expiry"]["expireAfterSeconds"] == 30 * 86400  # then deleted


async def test_agents_only_and_errors_as_problems(running: Running) -> None:
    letter_id = (await running.channel.send(notice(1), HOME)).provider_id
    expired = issue_token(
        agent=Agent(agent_id="a", name="A", department="accueil"),
        secret=DEV_SECRET,
        ttl=timedelta(seconds=-60),
    )
    for method, path in (
        ("GET", "/v1/letters"),
        ("GET", f"/v1/letters/{letter_id}.pdf"),
        ("GET", "/v1/letters/batch.pdf"),
        ("POST", f"/v1/letters/{letter_id}/posted"),
    ):
        for headers in ({}, {"authorization": f"Bearer {expired}"}):
            refused = await running.http.request(method, path, headers=headers)
            assert refused.status_code == 401, (path, headers)
            assert refused.headers["content-type"].startswith(PROBLEM)
            assert refused.headers["www-authenticate"] == "Bearer"
        other = auth("Sam Voirie", "services_techniques", "supervisor")
        forbidden = await running.http.request(method, path, headers=other)
        assert forbidden.status_code == 403, path
        assert forbidden.json()["detail"] == "Le courrier est réservé au service accueil."
        admin = await running.http.request(method, path, headers=auth("Alex", "urbanisme", "admin"))
        assert admin.status_code == 200, path
    unknown = "L20261202090000-0123456789abcdef"
    for method, path in (
        ("GET", f"/v1/letters/{unknown}.pdf"),
        ("POST", f"/v1/letters/{unknown}/posted"),
    ):
        missing = await running.http.request(method, path, headers=auth())
        assert missing.status_code == 404 and missing.json()["detail"] == "Courrier introuvable."
        assert missing.headers["content-type"].startswith(PROBLEM)
    for bad in ("/v1/letters?state=lost", "/v1/letters?cursor=x", "/v1/letters?limit=0"):
        invalid = await running.http.get(bad, headers=auth())
        assert invalid.status_code in (400, 422), bad
        assert invalid.headers["content-type"].startswith(PROBLEM)
    await running.http.post(f"/v1/letters/{letter_id}/posted", headers=auth())
    empty = await running.http.get("/v1/letters/batch.pdf", headers=auth())
    assert empty.status_code == 404 and empty.json()["detail"] == "Aucun courrier à imprimer."
