"""Tracking killed with SIGKILL in the middle of a stream of events loses nothing and duplicates
nothing once restarted: every request is there, with exactly one timeline entry per event."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from shared.auth import DEV_SECRET, Agent, issue_token
from shared.envelope import Envelope
from shared.events import Department, RequestRouted
from shared.kafka.producer import EventPublisher
from shared.kafka.topics import REQUESTS
from shared.mongo import connect
from tests.conftest import KAFKA, MONGODB_URI
from tests.e2e.crash import ServiceProcess, crash_namespace, kill_under_load
from tests.factories import submitted
from tests.support import eventually

REQUESTS_COUNT = 300
EVENTS_PER_REQUEST = 2
KILL_AFTER_ENTRIES = 120
AGENT = Agent(
    agent_id="julie-moreau", name="Julie Moreau", department="services_techniques", roles=["admin"]
)
AUTH = {"authorization": f"Bearer {issue_token(agent=AGENT, secret=DEV_SECRET)}"}


def _events() -> list[Envelope]:
    envelopes: list[Envelope] = []
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


async def publish_all(publisher: EventPublisher, envelopes: list[Envelope]) -> None:
    for envelope in envelopes:  # one at a time, each acknowledged: a steady stream
        await publisher.publish(envelope)


async def test_tracking_survives_sigkill_mid_stream(tmp_path: Path) -> None:
    envelopes = _events()
    expected_ids = {e.id for e in envelopes}
    async with crash_namespace("tracking") as space:
        tracking = ServiceProcess("tracking", env=space.env, log=tmp_path / "tracking.log")
        client = connect(uri=MONGODB_URI)
        db: Any = client[space.database]
        publisher = EventPublisher(bootstrap_servers=KAFKA, topic=space.prefix + REQUESTS)
        await publisher.start()

        async def entries() -> int:
            return await db.timeline.count_documents({})

        try:
            async with tracking.running():
                killed = await kill_under_load(
                    tracking,
                    load=publish_all(publisher, envelopes),
                    count=entries,
                    at=KILL_AFTER_ENTRIES,
                    timeout_s=30,
                )
            assert not killed.load.done(), "the stream ended before the kill: not mid-stream"
            assert KILL_AFTER_ENTRIES <= killed.count < len(envelopes)
            await killed.load

            async with tracking.running():

                async def caught_up() -> bool:
                    return await entries() >= len(envelopes) and (
                        await db.requests.count_documents({"status": "routed"}) == REQUESTS_COUNT
                    )

                await eventually(caught_up, timeout=40, interval=0.2)
                # Redelivered records precede the new ones in their partition: all handled now.
                await _assert_exactly_once(db, expected_ids)
                await _assert_agents_see_all(tracking.base_url)
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
