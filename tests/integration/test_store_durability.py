"""A write the store acknowledged survives a SIGKILL of the store (SecantusDB, as launched by
tools/devstack with --sync-on-commit), under concurrent load."""

import asyncio
from pathlib import Path

from pymongo import AsyncMongoClient

from tests.store_support import DedicatedStore, dedicated_store

WRITERS = 16
KILL_AFTER_ACKS = 600  # enough load in flight that an unsynced journal loses some (measured)


async def write_until_failure(
    client: AsyncMongoClient[dict[str, object]], writer: int, acked: dict[str, int]
) -> None:
    """Insert documents, then update each by _id; record what the store acknowledged."""
    docs = client["durability"]["docs"]
    for n in range(1_000_000):
        doc_id = f"{writer}-{n}"
        try:
            await docs.insert_one({"_id": doc_id, "writer": writer, "step": 0, "pad": "x" * 400})
            acked[doc_id] = 0
            await docs.update_one({"_id": doc_id}, {"$set": {"step": 1}})
            acked[doc_id] = 1
        except Exception:  # the store is gone: every later write would fail the same way
            return


async def kill_during_load(store: DedicatedStore) -> dict[str, int]:
    acked: dict[str, int] = {}
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(
        store.uri, retryWrites=False, serverSelectionTimeoutMS=2000, socketTimeoutMS=5000
    )
    try:
        writers = [
            asyncio.create_task(write_until_failure(client, w, acked)) for w in range(WRITERS)
        ]
        while len(acked) < KILL_AFTER_ACKS:
            await asyncio.sleep(0.01)
        store.kill()
        await asyncio.gather(*writers)
    finally:
        await client.close()
    return acked


async def test_every_acknowledged_write_survives_a_sigkill_of_the_store(tmp_path: Path) -> None:
    async with dedicated_store(tmp_path) as store:
        acked = await kill_during_load(store)
        assert not store.process.is_running()
        await store.start()  # same storage: WiredTiger replays its journal
        client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(store.uri)
        try:
            stored = {
                str(doc["_id"]): doc["step"]
                async for doc in client["durability"]["docs"].find({}, {"step": 1})
            }
        finally:
            await client.close()

    lost = sorted(doc_id for doc_id in acked if doc_id not in stored)
    assert not lost, f"{len(lost)} of {len(acked)} acknowledged inserts lost: {lost[:10]}"
    stale = sorted(doc_id for doc_id, step in acked.items() if int(str(stored[doc_id])) < step)
    assert not stale, f"{len(stale)} acknowledged updates lost: {stale[:10]}"
