"""Store figures at two sizes: a raw update by _id, and tracking applying one event.

The figures say how the cost of one operation grows with the town's history, so the stores
are filled before anything is timed, and the fill must not take the run's time. Filling
100,000 requests (300,000 documents) through the development store took over 13 minutes:
with `--sync-on-commit` every commit fsyncs, and every index is maintained per insert. So the
bench runs a store of its own (SecantusDB on a free port, its files under var/bench, on the
same disk as the development store): started without `--sync-on-commit`, filled in bulk with
the documents built while the previous batch is inserted and tracking's indexes built after
the data, stopped cleanly (SIGTERM: WiredTiger closes with a checkpoint), then restarted on
the same files WITH `--sync-on-commit`, the durable configuration the development store runs
with, and only then measured. Every document is counted after the restart.
"""

import random
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from services.tracking import store
from services.tracking.context import Tracking
from services.tracking.handlers import on_events
from services.tracking.settings import TrackingSettings
from shared.envelope import Envelope
from shared.events import RequestStatus, RequestStatusChanged
from shared.mongo import Document, connect
from shared.runtime import Runtime
from tests.bench.fill import fill_documents, fill_tracking, request_id
from tests.fakes import InMemoryPublisher
from tests.store_support import DedicatedStore
from tools.devstack.paths import var_dir

DOCUMENTS = "docs"
STOP_TIMEOUT_S = 300  # a clean shutdown checkpoints everything the fill wrote
# Untimed operations before each series: right after the restart the first series would
# otherwise also pay for new connections and a cold cache, and flatter the sizes after it.
WARM_UP = 30


@dataclass
class FillTimes:
    fill_s: float = 0.0
    restart_s: float = 0.0


async def store_figures(*, sizes: tuple[int, ...], samples: int = 300) -> dict[str, float]:
    """`store_update_ms_at_<n>k` and `tracking_event_ms_at_<n>k` (one event alone, and per
    event in a poll of 500) for each size, and how long the fill and the restart took."""
    base = var_dir() / "bench"
    base.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="store-", dir=base) as workdir:
        own = DedicatedStore(Path(workdir))
        times = await _fill_and_restart(own, sizes=sizes)
        figures = {"store_fill_s": times.fill_s, "store_restart_s": times.restart_s}
        try:
            client = connect(uri=own.uri, timeout_ms=30_000)
            await _check_fill(client, sizes=sizes)
            for size in sizes:
                label = f"{size // 1000}k"
                db = client[f"bench_update_{size}"]
                figures[f"store_update_ms_at_{label}"] = await store_update_ms(
                    db, size=size, samples=samples
                )
                tracking = await tracking_event_ms(own.uri, size=size, samples=samples)
                figures[f"tracking_event_ms_at_{label}"] = tracking["one"]
                figures[f"tracking_batched_event_ms_at_{label}"] = tracking["batched"]
            await client.close()
        finally:
            own.stop(STOP_TIMEOUT_S)
    return figures


async def _fill_and_restart(own: DedicatedStore, *, sizes: tuple[int, ...]) -> FillTimes:
    times = FillTimes()
    started = time.perf_counter()
    await own.start(durable=False)
    try:
        client = connect(uri=own.uri, timeout_ms=30_000)
        for size in sizes:
            await fill_documents(client[f"bench_update_{size}"], collection=DOCUMENTS, size=size)
            await fill_tracking(client[_tracking_database(size)], size=size)
        await client.close()
    finally:
        own.stop(STOP_TIMEOUT_S)
    times.fill_s = time.perf_counter() - started
    started = time.perf_counter()
    await own.start(durable=True)
    times.restart_s = time.perf_counter() - started
    return times


async def _check_fill(client: AsyncMongoClient[Document], *, sizes: tuple[int, ...]) -> None:
    """Everything the fill wrote is there after the restart."""
    for size in sizes:
        tracking = client[_tracking_database(size)]
        expected = (
            (client[f"bench_update_{size}"][DOCUMENTS], size),
            (tracking[store.REQUESTS], size),
            (tracking[store.TIMELINE], 2 * size),
        )
        for collection, count in expected:
            if (found := await collection.count_documents({})) != count:
                raise RuntimeError(f"{collection.full_name}: {found} documents, not {count}")


def _tracking_database(size: int) -> str:
    return f"bench_tracking_{size}"


async def store_update_ms(db: AsyncDatabase[Document], *, size: int, samples: int) -> float:
    """Median ms of `update_one({"_id": ...})` on a collection of `size` ~0.5 KB documents
    (after `WARM_UP` untimed ones)."""
    timings = []
    for _ in range(WARM_UP + samples):
        key = request_id(random.randrange(size))
        started = time.perf_counter()
        await db[DOCUMENTS].update_one({"_id": key}, {"$inc": {"n": 1}, "$set": {"t": "y"}})
        timings.append(time.perf_counter() - started)
    return statistics.median(timings[WARM_UP:]) * 1000


async def tracking_event_ms(uri: str, *, size: int, samples: int) -> dict[str, float]:
    """Tracking applying status changes with `size` requests already in its store.

    Through its registered batch handler, as the consumer loop calls it: the median of one
    event alone (what one change costs when the topic is quiet) and the mean per event of a
    poll of 500 events (what it costs under load)."""
    settings = TrackingSettings(mongodb_uri=uri, mongodb_database=_tracking_database(size))
    client = connect(uri=uri, timeout_ms=30_000)
    runtime = Runtime(settings=settings, publisher=InMemoryPublisher(), client=client)  # type: ignore[arg-type]
    tracking = Tracking(settings=settings, runtime=runtime, department_labels={})
    try:
        timings = []
        for i in range(WARM_UP + samples):
            envelope = _status_change(random.randrange(size), i)
            started = time.perf_counter()
            await on_events([envelope], tracking=tracking)
            timings.append(time.perf_counter() - started)
        poll = [_status_change(random.randrange(size), i) for i in range(500)]
        started = time.perf_counter()
        await on_events(poll, tracking=tracking)
        batched = (time.perf_counter() - started) / len(poll)
        one = statistics.median(timings[WARM_UP:])
        return {"one": one * 1000, "batched": batched * 1000}
    finally:
        await client.close()


def _status_change(n: int, i: int) -> Envelope:
    change = RequestStatusChanged(
        request_id=request_id(n),
        reference=f"2026-B{n:06d}",
        status=RequestStatus.IN_PROGRESS,
        comment=f"Pris en charge ({i})",
        actor="bench",
        changed_at=datetime.now(UTC),
    )
    return Envelope(data=change, source="/bench")
