"""Every message of the corpus (ours and real bounces) sent over real SMTP to the adapter, with
the real broker and store: each becomes one request, joins the right request, is recorded as
automatic, or reports the right notification as failed; none crashes, none is lost."""

from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from shared.blobs import ATTACHMENTS, RAW
from shared.envelope import Envelope
from shared.events import Channel, CitizenMessageReceived, NotificationFailed, RequestSubmitted
from shared.kafka.producer import EventPublisher
from tests.integration.test_email_support import (
    CORPUS,
    MANIFEST,
    RunningAdapter,
    agent_headers,
    crlf,
    email_settings,
    publish_fixtures,
    published,
    running_adapter,
    sent_message_id,
)
from tests.support import SISIMAI, needs_sisimai

CASES: list[tuple[Path, dict[str, Any]]] = [
    (CORPUS / name, spec) for name, spec in MANIFEST["messages"].items()
] + [(SISIMAI / name, spec) for name, spec in MANIFEST["sisimai"].items() if SISIMAI.is_dir()]
RECORDED_ONLY = {"automatic", "bounce_unmatched", "bounce_delayed"}


@pytest.fixture
async def adapter(topic_prefix: str) -> AsyncIterator[RunningAdapter]:
    async with running_adapter(email_settings(topic_prefix)) as running:
        yield running


def _of_type(events: list[Envelope], kind: type) -> list[Any]:
    return [e.data for e in events if isinstance(e.data, kind)]


def _check_text(text: str, spec: dict[str, Any], name: str) -> None:
    for expected in spec.get("contains", []):
        assert expected in text, (name, expected, text)
    for unwanted in spec.get("absent", []):
        assert unwanted not in text, (name, unwanted, text)


async def _check_stored(adapter: RunningAdapter, event: Any, raw: bytes, name: str) -> None:
    stored = await adapter.db[RAW].find_one({"_id": event.raw_ref.rsplit("/", 1)[-1]})
    assert stored is not None and bytes(stored["content"]) == crlf(raw), name
    for attachment in event.attachments:
        doc = await adapter.db[ATTACHMENTS].find_one({"_id": attachment.attachment_id})
        assert doc is not None and len(bytes(doc["content"])) == attachment.size > 0, name


@needs_sisimai
def test_the_sweep_includes_the_real_bounces() -> None:
    assert sum(SISIMAI in path.parents for path, _ in CASES) == len(MANIFEST["sisimai"]) > 10


async def test_every_message_of_the_corpus_meets_its_expected_fate(
    adapter: RunningAdapter, publisher: EventPublisher
) -> None:
    assert len(MANIFEST["messages"]) >= 30 and all(path.exists() for path, _ in CASES)
    fixtures = await publish_fixtures(publisher, adapter)
    for path, spec in CASES:
        code, reply = await adapter.send(path.read_bytes(), mail_from=spec.get("mail_from"))
        assert code == 250, (path.name, reply)

    events = await published(adapter.topic)
    submitted = [e for e in _of_type(events, RequestSubmitted) if e.channel == Channel.EMAIL]
    requests = {e.channel_message_id: e for e in submitted}
    follow_ups = {e.channel_message_id: e for e in _of_type(events, CitizenMessageReceived)}
    failures = _of_type(events, NotificationFailed)
    fixture_ids = {r.request_id: name for name, r in fixtures.items()}
    assert len(requests) == len(submitted), "one request per message"

    expected_failures: Counter[str] = Counter()
    for path, spec in CASES:
        raw, name, expect = path.read_bytes(), path.name, spec["expect"]
        message_id = None if expect == "quarantined" else sent_message_id(raw)
        if expect == "request":
            event = requests.pop(message_id)
            assert event.request_id not in fixture_ids and event.reference[5] == "E", name
            _check_text(f"{event.subject}\n{event.description}", spec, name)
            assert [a.filename for a in event.attachments] == spec.get("attachments", []), name
            await _check_stored(adapter, event, raw, name)
        elif expect == "follow_up":
            event = follow_ups.pop(message_id)
            assert event.request_id == fixtures[spec["request"]].request_id, name
            assert event.reference == fixtures[spec["request"]].reference, name
            _check_text(event.text, spec, name)
            assert [a.filename for a in event.attachments] == spec.get("attachments", []), name
            await _check_stored(adapter, event, raw, name)
        elif expect == "bounce":
            expected_failures[fixtures[spec["request"]].request_id] += 1
            matching = [f for f in failures if f.request_id == fixtures[spec["request"]].request_id]
            assert any(all(c in f.reason for c in spec["contains"]) for f in matching), name
        if expect in RECORDED_ONLY | {"bounce"}:
            record = await adapter.db["messages"].find_one({"message_id": message_id})
            assert record is not None and record["fate"] == expect, (name, record)

    assert requests == {} and follow_ups == {}, "events nobody expected"
    assert Counter(f.request_id for f in failures) == expected_failures
    assert all(f.permanent and f.channel == "email" for f in failures)
    assert {f.notification_id for f in failures} >= {"0a1b2c3d", "5e6f7a8b", "9c8d7e6f"}

    listing = await adapter.client.get("/v1/quarantine", headers=agent_headers())
    assert listing.status_code == 200, listing.text
    expected_quarantined = [p for p, s in CASES if s["expect"] == "quarantined"]
    assert len(listing.json()["items"]) == len(expected_quarantined)
    assert all(item["error"].startswith("MalformedEmail") for item in listing.json()["items"])
    total = await adapter.db["messages"].count_documents({"fate": {"$exists": True}})
    assert total == len(CASES) - len(expected_quarantined), "every readable message recorded"
