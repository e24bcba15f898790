"""Short-lived Kafka clients for operators' commands: admin, bare consumer, range reads."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from shared.ops.errors import OpsError

READ_TIMEOUT_S = 30.0


@asynccontextmanager
async def admin_client(*, bootstrap: str) -> AsyncIterator[AIOKafkaAdminClient]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        yield admin
    finally:
        await admin.close()


@asynccontextmanager
async def bare_consumer(
    *, bootstrap: str, group_id: str | None = None
) -> AsyncIterator[AIOKafkaConsumer]:
    """A consumer that never joins its group: it reads assigned partitions and commits offsets."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        yield consumer
    finally:
        await consumer.stop()


async def partitions_of(admin: AIOKafkaAdminClient, topic: str) -> list[TopicPartition]:
    """The topic's partitions; OpsError if the topic does not exist."""
    [described] = await admin.describe_topics([topic])
    if described["error_code"] or not described["partitions"]:
        raise OpsError(f"topic {topic} does not exist (wrong --topic-prefix?)")
    numbers = sorted(p["partition"] for p in described["partitions"])
    return [TopicPartition(topic, n) for n in numbers]


async def read_range(
    consumer: AIOKafkaConsumer, tp: TopicPartition, *, start: int, end: int
) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record of one partition with start <= offset < end (the consumer is reassigned)."""
    consumer.assign([tp])
    if start >= end:
        return []
    consumer.seek(tp, start)
    records: list[ConsumerRecord[bytes, bytes]] = []
    deadline = asyncio.get_running_loop().time() + READ_TIMEOUT_S
    while await consumer.position(tp) < end:
        if asyncio.get_running_loop().time() > deadline:
            raise OpsError(f"timed out reading {tp.topic}[{tp.partition}] up to offset {end}")
        batch = await consumer.getmany(tp, timeout_ms=500)
        records.extend(r for r in batch.get(tp, []) if r.offset < end)
    return records
