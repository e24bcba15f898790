"""Store figures at two sizes: a raw update by _id, and tracking applying one event.

Both collections are filled directly, in bulk, before anything is timed, so the figures say
how the cost of one operation grows with the town's history, not how fast the fill was.
"""

import random
import statistics
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from pymongo.asynchronous.database import AsyncDatabase

from services.tracking import store
from services.tracking.context import Tracking
from services.tracking.handlers import on_events
from services.tracking.projection import project
from services.tracking.settings import TrackingSettings
from shared.envelope import Envelope
from shared.events import Department, RequestRouted, RequestStatus, RequestStatusChanged
from shared.mongo import Document, connect
from shared.runtime import Runtime
from tests.bench.events import submitted
from tests.fakes import InMemoryPublisher

FILL_BATCH = 2000
REOPEN = timedelta(days=15)


async def store_update_ms(uri: str, *, size: int, samples: int = 300) -> float:
    """Median ms of `update_one({"_id": ...})` on a collection of `size` ~0.5 KB documents."""
    client = connect(uri=uri, timeout_ms=30_000)
    db = client[f"bench_update_{uuid.uuid4().hex[:8]}"]
    try:
        docs = ({"_id": f"r{i:08d}", "n": i, "text": "x" * 500} for i in range(size))
        await _fill(db, "docs", docs)
        timings = []
        for _ in range(samples):
            key = f"r{random.randrange(size):08d}"
            started = time.perf_counter()
            await db.docs.update_one({"_id": key}, {"$inc": {"n": 1}, "$set": {"t": "y"}})
            timings.append(time.perf_counter() - started)
        return statistics.median(timings) * 1000
    finally:
        await client.drop_database(db.name)
        await client.close()


async def tracking_event_ms(uri: str, *, size: int, samples: int = 300) -> dict[str, float]:
    """Tracking applying status changes with `size` requests already in its store.

    Through its registered batch handler, as the consumer loop calls it: the median of one
    event alone (what one change costs when the topic is quiet) and the mean per event of a
    poll of 500 events (what it costs under load)."""
    database = f"bench_tracking_{uuid.uuid4().hex[:8]}"
    settings = TrackingSettings(mongodb_uri=uri, mongodb_database=database)
    client = connect(uri=uri, timeout_ms=30_000)
    runtime = Runtime(settings=settings, publisher=InMemoryPublisher(), client=client)  # type: ignore[arg-type]
    tracking = Tracking(settings=settings, runtime=runtime, department_labels={})
    try:
        await store.ensure_indexes(db=runtime.db)
        await _fill_tracking(runtime.db, size)
        timings = []
        for i in range(samples):
            envelope = _status_change(f"r{random.randrange(size):08d}", i)
            started = time.perf_counter()
            await on_events([envelope], tracking=tracking)
            timings.append(time.perf_counter() - started)
        poll = [_status_change(f"r{random.randrange(size):08d}", i) for i in range(500)]
        started = time.perf_counter()
        await on_events(poll, tracking=tracking)
        batched = (time.perf_counter() - started) / len(poll)
        return {"one": statistics.median(timings) * 1000, "batched": batched * 1000}
    finally:
        await client.drop_database(database)
        await client.close()


async def _fill(db: AsyncDatabase[Document], name: str, docs: Iterator[Document]) -> None:
    batch: list[Document] = []
    for doc in docs:
        batch.append(doc)
        if len(batch) == FILL_BATCH:
            await db[name].insert_many(batch, ordered=False)
            batch = []
    if batch:
        await db[name].insert_many(batch, ordered=False)


async def _fill_tracking(db: AsyncDatabase[Document], size: int) -> None:
    """Requests as tracking stores them after submission and routing, with their timelines."""
    requests: list[Document] = []
    entries: list[Document] = []
    for i in range(size):
        request_id = f"r{i:08d}"
        state: Document = {"_id": request_id, "applied_events": []}
        for envelope in (submitted(request_id, i), _routed(request_id, i)):
            projection = project(envelope, state, reopen_window=REOPEN)
            state |= projection.changes
            state["applied_events"].append(envelope.id)
            entries.append(projection.entry)
        requests.append(state)
        if len(requests) == FILL_BATCH:
            await _flush(db, requests, entries)
            requests, entries = [], []
    if requests:
        await _flush(db, requests, entries)


async def _flush(
    db: AsyncDatabase[Document], requests: list[Document], entries: list[Document]
) -> None:
    await db[store.REQUESTS].insert_many(requests, ordered=False)
    await db[store.TIMELINE].insert_many(entries, ordered=False)


def _routed(request_id: str, i: int) -> Envelope:
    now = datetime.now(UTC)
    department = ("services_techniques", "etat_civil", "urbanisme", "accueil")[i % 4]
    routed = RequestRouted(
        request_id=request_id,
        reference=f"2026-B{i:06d}",
        department=Department(code=department, label=department),
        due_at=now + timedelta(days=i % 30),
        rule="bench",
        explanation="Banc d'essai",
        routed_at=now,
    )
    return Envelope(data=routed, source="/bench")


def _status_change(request_id: str, i: int) -> Envelope:
    change = RequestStatusChanged(
        request_id=request_id,
        reference=f"2026-B{int(request_id[1:]):06d}",
        status=RequestStatus.IN_PROGRESS,
        comment=f"Pris en charge ({i})",
        actor="bench",
        changed_at=datetime.now(UTC),
    )
    return Envelope(data=change, source="/bench")
