"""Tracking's per-event cost through its registered handlers, against the real store, no Kafka.

    python -m tests.bench.tracking_handler [requests]

Fills `requests` requests (submitted + routed), then feeds one status change per request; the
events go through the real dispatcher in polls of 500 records of one partition, as the
consumer loop hands them over. Prints milliseconds per event for each phase.
"""

import asyncio
import os
import sys
import time
import uuid
from typing import Any

from services.tracking import repository
from services.tracking.context import Tracking
from services.tracking.handlers import handlers
from services.tracking.settings import TrackingSettings
from shared.envelope import Envelope
from shared.events import RequestStatus
from shared.mongo import connect
from shared.runtime import Runtime
from tests.factories import envelope, routed_for, status_for, submitted
from tests.fakes import InMemoryPublisher
from tests.harness import Harness

POLL = 500


async def feed(harness: Harness, events: list[Envelope[Any]]) -> float:
    """Milliseconds per event."""
    started = time.perf_counter()
    for start in range(0, len(events), POLL):
        await harness.feed(*events[start : start + POLL])
    return (time.perf_counter() - started) * 1000 / len(events)


async def main(count: int) -> None:
    uri = os.environ.get("MONGODB_URI", "mongodb://127.0.0.1:27017/")
    settings = TrackingSettings(mongodb_uri=uri, mongodb_database=f"bench_{uuid.uuid4().hex[:8]}")
    runtime = Runtime(settings=settings, publisher=InMemoryPublisher(), client=connect(uri=uri))  # type: ignore[arg-type]
    tracking = Tracking(settings=settings, runtime=runtime, department_labels={})
    harness = Harness(handlers.bind(tracking=tracking), group="tracking")
    await repository.ensure_indexes(db=runtime.db)
    try:
        requests = [submitted() for _ in range(count)]
        fill = [e for r in requests for e in (envelope(r), envelope(routed_for(r)))]
        changes = [envelope(status_for(r, RequestStatus.IN_PROGRESS)) for r in requests]
        fill_ms = await feed(harness, fill)
        change_ms = await feed(harness, changes)
        again_ms = await feed(harness, changes)  # a redelivery: every event already applied
        assert await runtime.db[repository.TIMELINE].count_documents({}) == 3 * count
    finally:
        await runtime.client.drop_database(settings.database_name)  # type: ignore[union-attr]
        await runtime.client.close()  # type: ignore[union-attr]
    print(f"{count} requests: fill (submitted + routed) {fill_ms:.2f} ms/event")
    print(f"status changes on {count} stored requests: {change_ms:.2f} ms/event")
    print(f"the same status changes redelivered: {again_ms:.2f} ms/event")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
