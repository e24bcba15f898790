"""Raw baselines on this machine: the broker with aiokafka, the store with PyMongo."""

import asyncio
import contextlib
import time
import uuid
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from pymongo.errors import DuplicateKeyError

from shared.kafka.topics import create_topics
from shared.mongo import connect

PAYLOAD = b'{"description": "' + b"x" * 600 + b'"}'


async def kafka_produce_consume(bootstrap: str, *, count: int = 20000) -> dict[str, float]:
    """Messages/s through the broker: idempotent acks=all produce, then consume them all."""
    topic = f"bench-raw-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    await create_topics(admin, [NewTopic(topic, num_partitions=12, replication_factor=1)])
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, enable_idempotence=True, acks="all", linger_ms=2
    )
    await producer.start()
    started = time.perf_counter()
    futures = [await producer.send(topic, PAYLOAD, key=str(i).encode()) for i in range(count)]
    await asyncio.gather(*futures)
    produced = time.perf_counter() - started
    await producer.stop()

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    started, seen = time.perf_counter(), 0
    while seen < count:
        for records in (await consumer.getmany(timeout_ms=500, max_records=5000)).values():
            seen += len(records)
    consumed = time.perf_counter() - started
    await consumer.stop()
    await admin.delete_topics([topic])
    await admin.close()
    return {
        "produce_per_s": count / produced,
        "consume_per_s": count / consumed,
        "produce_consume_per_s": count / (produced + consumed),
    }


async def store_inserts(uri: str, *, count: int = 2000) -> dict[str, float]:
    """Documents/s: one insert_one at a time (what a consumer does per event), and batched."""
    client = connect(uri=uri, timeout_ms=30_000)
    db = client[f"bench_raw_{uuid.uuid4().hex[:8]}"]
    try:
        started = time.perf_counter()
        for i in range(count):
            await _insert(db.single, {"_id": i, "description": "x" * 600, "n": i})
        single = count / (time.perf_counter() - started)
        started = time.perf_counter()
        docs = [{"_id": i, "description": "x" * 600} for i in range(count * 5)]
        for start in range(0, len(docs), 500):
            await db.batched.insert_many(docs[start : start + 500], ordered=False)
        batched = len(docs) / (time.perf_counter() - started)
        started = time.perf_counter()
        await asyncio.gather(
            *(_insert(db.concurrent, {"_id": i, "d": "x" * 600}) for i in range(count))
        )
        concurrent = count / (time.perf_counter() - started)
    finally:
        await client.drop_database(db.name)
        await client.close()
    return {
        "insert_one_per_s": single,
        "insert_concurrent_per_s": concurrent,
        "insert_many_per_s": batched,
    }


async def _insert(collection: Any, doc: dict[str, Any]) -> None:
    """One insert; a duplicate key is the driver's retry of a write that had landed.

    (The development store does not recognise a retried write as the same one.)"""
    with contextlib.suppress(DuplicateKeyError):
        await collection.insert_one(doc)
