"""Unreadable mail is accepted, kept in quarantine with its error, and agents can reprocess it."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from bson import Binary

from shared.blobs import RAW
from shared.events import RequestSubmitted
from tests.integration.test_email_support import (
    CORPUS,
    RunningAdapter,
    agent_headers,
    crlf,
    email_settings,
    published,
    running_adapter,
)

MALFORMED = (CORPUS / "malformed-no-headers.eml").read_bytes()
READABLE = (CORPUS / "new-html-only.eml").read_bytes()


@pytest.fixture
async def adapter(topic_prefix: str) -> AsyncIterator[RunningAdapter]:
    async with running_adapter(email_settings(topic_prefix)) as running:
        yield running


async def _held_since_a_fixed_bug(adapter: RunningAdapter, raw: bytes) -> str:
    """A readable message an earlier version failed on: its raw copy and its quarantine entry."""
    raw_id, item_id = uuid.uuid4().hex, uuid.uuid4().hex
    now = datetime.now(UTC)
    await adapter.db[RAW].insert_one(
        {"_id": raw_id, "channel": "email", "content_type": "message/rfc822",
         "size": len(raw), "content": Binary(raw), "received_at": now}
    )  # fmt: skip
    await adapter.db["quarantine"].insert_one(
        {"_id": item_id, "raw_ref": f"email_adapter:raw/{raw_id}", "size": len(raw),
         "mail_from": "contact@boulangerie-example.fr", "rcpt_tos": ["mairie@ville.example"],
         "error": "KeyError: 'x'", "state": "pending", "attempts": 1, "received_at": now}
    )  # fmt: skip
    return item_id


async def test_unreadable_mail_is_accepted_and_listed_for_agents(adapter: RunningAdapter) -> None:
    code, reply = await adapter.send(MALFORMED, mail_from="someone@example.org")
    assert code == 250 and b"examen" in reply
    assert await published(adapter.topic) == []

    anonymous = await adapter.client.get("/v1/quarantine")
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"].startswith("application/problem+json")
    listing = await adapter.client.get("/v1/quarantine", headers=agent_headers())
    assert listing.status_code == 200, listing.text
    (item,) = listing.json()["items"]
    assert item["error"] == "MalformedEmail: no header section" and item["attempts"] == 1
    assert item["size"] == len(crlf(MALFORMED))
    stored = await adapter.db["quarantine"].find_one({"_id": item["id"]})
    raw = await adapter.db[RAW].find_one({"_id": stored["raw_ref"].rsplit("/", 1)[-1]})
    assert bytes(raw["content"]) == crlf(MALFORMED)

    again = await adapter.client.post(
        f"/v1/quarantine/{item['id']}/reprocess", headers=agent_headers()
    )
    assert again.status_code == 422 and again.json()["error"].startswith("MalformedEmail")
    assert again.json()["detail"] == "Le courriel ne peut toujours pas être traité."
    relisted = await adapter.client.get("/v1/quarantine", headers=agent_headers())
    assert relisted.json()["items"][0]["attempts"] == 2


async def test_reprocessing_a_held_message_publishes_it_once(adapter: RunningAdapter) -> None:
    item_id = await _held_since_a_fixed_bug(adapter, crlf(READABLE))
    path = f"/v1/quarantine/{item_id}/reprocess"
    answer = await adapter.client.post(path, headers=agent_headers())
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["fate"] == "request" and body["reference"] in body["message"]

    (event,) = [e.data for e in await published(adapter.topic)]
    assert isinstance(event, RequestSubmitted) and event.reference == body["reference"]
    held = await adapter.db["quarantine"].find_one({"_id": item_id})
    assert held is not None and event.raw_ref == held["raw_ref"]  # the copy already kept
    assert "terrasse de 4 tables" in event.description

    twice = await adapter.client.post(path, headers=agent_headers())
    assert twice.status_code == 409
    pending = await adapter.client.get("/v1/quarantine", headers=agent_headers())
    assert pending.json()["items"] == []
    done = await adapter.client.get(
        "/v1/quarantine", params={"state": "reprocessed"}, headers=agent_headers()
    )
    assert [(i["id"], i["fate"]) for i in done.json()["items"]] == [(item_id, "request")]
    unknown = await adapter.client.post(
        f"/v1/quarantine/{uuid.uuid4().hex}/reprocess", headers=agent_headers()
    )
    assert unknown.status_code == 404
    assert len(await published(adapter.topic)) == 1
