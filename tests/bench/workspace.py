"""Agents' workspace figures: queue reads per second (pages of 50, with filters) and command
latency (claim sent -> applied by tracking, through Kafka), with 10,000 requests in the store.

    python -m tests.bench.workspace        (also part of `make bench`)
"""

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from pymongo.errors import BulkWriteError

from services.tracking import indexes
from services.tracking.app import build_app
from services.tracking.projection import project
from services.tracking.settings import TrackingSettings
from services.tracking.store import REQUESTS
from shared.auth import DEV_SECRET, Agent, issue_token
from shared.envelope import Envelope
from shared.events import Channel, Department, RequestRouted
from shared.mongo import connect
from tests.bench.pipeline import percentile
from tests.factories import submitted
from tests.support import fresh_topics, serve_app

DEPARTMENTS = ["services_techniques", "urbanisme", "proprete", "espaces_verts", "etat_civil"]
DUPLICATE = 11000
CHANNELS = [Channel.PORTAL, Channel.EMAIL, Channel.PHONE, Channel.DESK]


def seeded(n: int, now: datetime) -> dict[str, Any]:
    """The stored request `n` as tracking's projection makes it from submitted + routed."""
    received = now - timedelta(hours=n % 2000)
    request = submitted(
        channel=CHANNELS[n % len(CHANNELS)],
        submitted_at=received,
        subject=f"Demande {n} rue des Lilas",
        reference=f"2026-B{n:06d}",
    )
    code = DEPARTMENTS[n % len(DEPARTMENTS)]
    routed = RequestRouted(
        request_id=request.request_id,
        reference=request.reference,
        department=Department(code=code, label=code),
        due_at=received + timedelta(days=10 + n % 20),
        rule="bench",
        explanation="bench",
        routed_at=received,
    )
    state: dict[str, Any] = {}
    for event in (request, routed):
        envelope = Envelope(data=event, source="/relais/bench")
        projection = project(envelope, state or None, reopen_window=timedelta(days=15))
        state = {"_id": request.request_id, **state, **projection.changes}
    return state


async def _insert(db: Any, batch: list[dict[str, Any]]) -> None:
    try:
        await db[REQUESTS].insert_many(batch, ordered=False)
    except BulkWriteError as exc:  # a batch the driver retried after a slow answer
        if any(e["code"] != DUPLICATE for e in exc.details["writeErrors"]):
            raise


async def seed(db: Any, count: int) -> None:
    """`count` routed requests; the indexes built after them (cheaper than per insert)."""
    now = datetime.now(UTC)
    batch: list[dict[str, Any]] = []
    for n in range(count):
        batch.append(seeded(n, now))
        if len(batch) == 500:
            await _insert(db, batch)
            batch = []
    if batch:
        await _insert(db, batch)
    await indexes.ensure_indexes(db=db)


def token(department: str, n: int = 0) -> dict[str, str]:
    agent = Agent(
        agent_id=f"bench-{department}-{n}", name="Bench", department=department, roles=["agent"]
    )
    return {"authorization": f"Bearer {issue_token(agent=agent, secret=DEV_SECRET)}"}


QUERIES: list[dict[str, str | int]] = [
    {"limit": 50},
    {"limit": 50, "status": "routed", "channel": "email"},
    {"limit": 50, "overdue": "true"},
    {"limit": 50, "q": "lilas"},
    {"limit": 50, "assignee": "none"},
]


async def queue_reads(http: httpx.AsyncClient, *, seconds: float, concurrency: int) -> float:
    stop = time.monotonic() + seconds
    done = 0

    async def reader(worker: int) -> None:
        nonlocal done
        headers = token(DEPARTMENTS[worker % len(DEPARTMENTS)])
        n = 0
        while time.monotonic() < stop:
            answer = await http.get(
                "/v1/requests", params=QUERIES[n % len(QUERIES)], headers=headers
            )
            assert answer.status_code == 200, answer.text
            done, n = done + 1, n + 1

    started = time.monotonic()
    await asyncio.gather(*(reader(w) for w in range(concurrency)))
    return done / (time.monotonic() - started)


async def claim_latencies(http: httpx.AsyncClient, db: Any, *, count: int) -> list[float]:
    """One claim at a time, each on its own request: the path, not a queue."""
    code = DEPARTMENTS[0]
    ids = [d["_id"] async for d in db[REQUESTS].find({"department_code": code}).limit(count)]
    headers = token(code)
    found = []
    for request_id in ids:
        started = time.monotonic()
        answer = await http.post(f"/v1/requests/{request_id}/claim", headers=headers)
        assert answer.status_code == 200, answer.text
        found.append(time.monotonic() - started)
    return found


def _settings(kafka: str, mongodb_uri: str, prefix: str, database: str) -> TrackingSettings:
    return TrackingSettings(
        kafka_bootstrap_servers=kafka,
        mongodb_uri=mongodb_uri,
        topic_prefix=prefix,
        mongodb_database=database,
        watch_enabled=False,  # its alerts would queue ahead of the claims measured
    )


async def measure(
    *, kafka: str, mongodb_uri: str, scale: float = 1.0, requests: int = 10_000
) -> dict[str, float]:
    database = f"bench_workspace_{uuid.uuid4().hex[:8]}"
    client = connect(uri=mongodb_uri)
    try:
        await seed(client[database], requests)
        async with (
            fresh_topics(kafka, head="bench") as prefix,
            serve_app(build_app(_settings(kafka, mongodb_uri, prefix, database))) as base_url,
            httpx.AsyncClient(base_url=base_url, timeout=60) as http,
        ):
            await queue_reads(http, seconds=2, concurrency=2)  # warm-up
            rate = await queue_reads(http, seconds=10 * scale, concurrency=8)
            latencies = await claim_latencies(http, client[database], count=int(100 * scale))
    finally:
        await client.drop_database(database)
        await client.close()
    return {
        "workspace_queue_reads_per_s": rate,
        "workspace_claim_applied_p50_ms": percentile(latencies, 50) * 1000,
        "workspace_claim_applied_p99_ms": percentile(latencies, 99) * 1000,
    }


if __name__ == "__main__":
    import os

    figures = asyncio.run(
        measure(
            kafka=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
            mongodb_uri=os.environ.get("MONGODB_URI", "mongodb://127.0.0.1:27017/"),
            scale=float(os.environ.get("BENCH_SCALE", "1")),
        )
    )
    for name, value in figures.items():
        print(f"{name}: {value:,.1f}")
