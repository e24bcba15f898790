"""Tracking killed with SIGKILL in the middle of a stream of events loses nothing and duplicates
nothing once restarted: every request is there, with exactly one timeline entry per event."""

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from shared.auth import DEV_SECRET, Agent, issue_token
from shared.envelope import Envelope
from shared.events import Department, RequestRouted
from shared.kafka.producer import EventPublisher
from shared.kafka.topics import REQUESTS, provision_topics
from shared.mongo import connect
from tests.conftest import KAFKA, MONGODB_URI
from tests.factories import submitted
from tests.support import eventually, free_port

ROOT = Path(__file__).resolve().parents[2]
REQUESTS_COUNT = 300
EVENTS_PER_REQUEST = 2
KILL_AFTER_ENTRIES = 120
AGENT = Agent(
    agent_id="julie-moreau", name="Julie Moreau", department="services_techniques", roles=["admin"]
)
AUTH = {"authorization": f"Bearer {issue_token(agent=AGENT, secret=DEV_SECRET)}"}


def _events() -> list[Envelope]:
    envelopes = []
    for _ in range(REQUESTS_COUNT):
        request = submitted(submitted_at=datetime.now(UTC))
        routed = RequestRouted(
            request_id=request.request_id,
            reference=request.reference,
            department=Department(code="services_techniques", label="Services techniques"),
            category="voirie",
            due_at=request.submitted_at + timedelta(days=14),
            rule="category:voirie",
            explanation="Catégorie « Voirie ».",
            routed_at=request.submitted_at,
        )
        envelopes += [
            Envelope(data=request, source="/relais/tests"),
            Envelope(data=routed, source="/relais/routing"),
        ]
    return envelopes


@contextmanager
def tracking_process(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "services.tracking"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def wait_ready(process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=2) as http:

        async def ready() -> bool:
            assert process.poll() is None, log.read_text()[-3000:]
            try:
                return (await http.get("/readyz")).status_code == 200
            except httpx.TransportError:
                return False

        await eventually(ready, timeout=30, interval=0.1)


@asynccontextmanager
async def namespace() -> AsyncIterator[tuple[str, str]]:
    prefix = f"crash{uuid.uuid4().hex[:8]}."
    database = f"test_tracking_crash_{uuid.uuid4().hex[:8]}"
    await provision_topics(bootstrap_servers=KAFKA, prefix=prefix)
    try:
        yield prefix, database
    finally:
        client = connect(uri=MONGODB_URI)
        await client.drop_database(database)
        await client.close()


async def publish_all(publisher: EventPublisher, envelopes: list[Envelope]) -> None:
    for envelope in envelopes:  # one at a time, each acknowledged: a steady stream
        await publisher.publish(envelope)


async def test_tracking_survives_sigkill_mid_stream(tmp_path: Path) -> None:
    envelopes = _events()
    expected_ids = {e.id for e in envelopes}
    log = tmp_path / "tracking.log"
    async with namespace() as (prefix, database):
        port = free_port()
        env = os.environ | {
            "KAFKA_BOOTSTRAP_SERVERS": KAFKA,
            "MONGODB_URI": MONGODB_URI,
            "TOPIC_PREFIX": prefix,
            "MONGODB_DATABASE": database,
            "HTTP_PORT": str(port),
            "LOG_LEVEL": "WARNING",
        }
        base_url = f"http://127.0.0.1:{port}"
        client = connect(uri=MONGODB_URI)
        db: Any = client[database]
        publisher = EventPublisher(bootstrap_servers=KAFKA, topic=prefix + REQUESTS)
        await publisher.start()
        try:
            with tracking_process(env, log) as first:
                await wait_ready(first, base_url, log)
                stream = asyncio.create_task(publish_all(publisher, envelopes))

                async def some_processed() -> bool:
                    return await db.timeline.count_documents({}) >= KILL_AFTER_ENTRIES

                await eventually(some_processed, timeout=30, interval=0.02)
                first.kill()  # SIGKILL: no graceful shutdown, no last commit
                first.wait(timeout=10)
            entries_at_kill = await db.timeline.count_documents({})
            assert not stream.done(), "the stream ended before the kill: not a mid-stream crash"
            assert KILL_AFTER_ENTRIES <= entries_at_kill < len(envelopes)
            await stream

            with tracking_process(env, log) as second:
                await wait_ready(second, base_url, log)

                async def caught_up() -> bool:
                    return await db.timeline.count_documents({}) >= len(envelopes) and (
                        await db.requests.count_documents({"status": "routed"}) == REQUESTS_COUNT
                    )

                await eventually(caught_up, timeout=40, interval=0.2)
                # Redelivered records precede the new ones in their partition: all handled now.
                await _assert_exactly_once(db, expected_ids)
                await _assert_agents_see_all(base_url)
        finally:
            await publisher.stop()
            await client.close()


async def _assert_agents_see_all(base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=10, headers=AUTH) as http:
        page = (await http.get("/v1/requests", params={"status": "routed", "limit": 1})).json()
        stats = (await http.get("/v1/stats/departments")).json()
    assert page["total"] == REQUESTS_COUNT
    assert stats == [
        {
            "department": {"code": "services_techniques", "label": "Services techniques"},
            "total": REQUESTS_COUNT,
            "by_status": {"routed": REQUESTS_COUNT},
            "overdue": 0,
        }
    ]


async def _assert_exactly_once(db: Any, expected_ids: set[str]) -> None:
    assert await db.requests.count_documents({}) == REQUESTS_COUNT
    entry_ids = [entry["_id"] async for entry in db.timeline.find({}, {"_id": 1})]
    assert len(entry_ids) == len(set(entry_ids)) == len(expected_ids)
    assert set(entry_ids) == expected_ids
    per_request: dict[str, list[int]] = {}
    async for entry in db.timeline.find({}, {"request_id": 1, "seq": 1}):
        per_request.setdefault(entry["request_id"], []).append(entry["seq"])
    assert len(per_request) == REQUESTS_COUNT
    assert all(sorted(seqs) == [1, 2] for seqs in per_request.values())
    async for request in db.requests.find({}, {"event_count": 1, "applied_events": 1}):
        assert request["event_count"] == EVENTS_PER_REQUEST
        assert len(request["applied_events"]) == EVENTS_PER_REQUEST
