"""Bulk fills of the bench's store: plain ~0.5 KB documents, and tracking's requests.

Documents are built in a worker thread while the previous batch is being inserted, so the
fill costs the slower of the two, not their sum.
"""

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from pymongo.asynchronous.database import AsyncDatabase

from services.tracking import store
from services.tracking.projection import project
from shared.envelope import Envelope
from shared.events import Department, RequestRouted
from shared.mongo import Document
from tests.bench.events import submitted

BATCH = 2000
REOPEN = timedelta(days=15)

Batch = dict[str, list[Document]]  # collection name -> documents


def request_id(i: int) -> str:
    return f"r{i:08d}"


async def fill_documents(db: AsyncDatabase[Document], *, collection: str, size: int) -> None:
    """`size` documents of ~0.5 KB keyed `request_id(i)`, only the `_id` index."""

    def batches() -> Iterator[Batch]:
        for start in range(0, size, BATCH):
            docs = [
                {"_id": request_id(i), "n": i, "text": "x" * 500}
                for i in range(start, min(start + BATCH, size))
            ]
            yield {collection: docs}

    await _insert_all(db, batches())


async def fill_tracking(db: AsyncDatabase[Document], *, size: int) -> None:
    """Requests as tracking stores them after submission and routing, with their timelines;
    then tracking's indexes (built once over the data, cheaper than maintained per insert)."""
    await _insert_all(db, _tracking_batches(size))
    await store.ensure_indexes(db=db)


def _tracking_batches(size: int) -> Iterator[Batch]:
    requests: list[Document] = []
    entries: list[Document] = []
    for i in range(size):
        state: Document = {"_id": request_id(i), "applied_events": []}
        for envelope in (submitted(request_id(i), i), _routed(request_id(i), i)):
            projection = project(envelope, state, reopen_window=REOPEN)
            state |= projection.changes
            state["applied_events"].append(envelope.id)
            entries.append(projection.entry)
        requests.append(state)
        if len(requests) == BATCH or i == size - 1:
            yield {store.REQUESTS: requests, store.TIMELINE: entries}
            requests, entries = [], []


async def _insert_all(db: AsyncDatabase[Document], batches: Iterator[Batch]) -> None:
    pending: asyncio.Task[None] | None = None
    while batch := await asyncio.to_thread(next, batches, None):
        if pending is not None:
            await pending
        pending = asyncio.create_task(_insert(db, batch))
    if pending is not None:
        await pending


async def _insert(db: AsyncDatabase[Document], batch: Batch) -> None:
    for name, docs in batch.items():
        await db[name].insert_many(docs, ordered=False)


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
