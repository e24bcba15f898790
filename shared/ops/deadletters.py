"""Reading dead-letter topics: counts, records, and which ones were already replayed."""

from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from shared.kafka.dead_letter import dead_letter_info
from shared.kafka.topics import CONSUMER_GROUPS, dead_letter_topic
from shared.ops.brokers import admin_client, bare_consumer, partitions_of, read_range
from shared.ops.drain import DrainState, drain_group
from shared.ops.errors import OpsError

Headers = tuple[tuple[str, bytes], ...]


@dataclass(frozen=True)
class DeadLetter:
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Headers
    drained: bool

    @property
    def info(self) -> dict[str, str]:
        """The dlq_* headers: original topic/partition/offset, error, group, attempts, time."""
        return dead_letter_info(self.headers)

    def header(self, name: str) -> str | None:
        values = [v for k, v in self.headers if k == name]
        return values[-1].decode("utf-8", "replace") if values else None


@dataclass(frozen=True)
class DeadLetterCount:
    group: str
    topic: str
    total: int
    pending: int


def known_group(group: str) -> str:
    if group not in CONSUMER_GROUPS:
        raise OpsError(f"unknown group {group!r}; known: {', '.join(CONSUMER_GROUPS)}")
    return group


async def dead_letter_partition(admin: AIOKafkaAdminClient, topic: str) -> TopicPartition:
    partitions = await partitions_of(admin, topic)
    if len(partitions) != 1:
        raise OpsError(f"{topic} has {len(partitions)} partitions; dead-letter topics have one")
    return partitions[0]


async def bounds(consumer: AIOKafkaConsumer, tp: TopicPartition) -> tuple[int, int]:
    """(first offset still retained, offset of the next record)."""
    begin = (await consumer.beginning_offsets([tp]))[tp]
    end = (await consumer.end_offsets([tp]))[tp]
    return begin, end


async def read_drain_state(
    admin: AIOKafkaAdminClient, *, prefix: str, group: str, tp: TopicPartition
) -> DrainState:
    committed = await admin.list_consumer_group_offsets(prefix + drain_group(group))
    found = committed.get(tp)
    if found is None:
        return DrainState()
    return DrainState.parse(offset=found.offset, metadata=found.metadata)


def pending_count(state: DrainState, *, begin: int, end: int) -> int:
    return sum(1 for offset in range(begin, end) if not state.is_drained(offset))


async def count_dead_letters(*, bootstrap: str, prefix: str) -> list[DeadLetterCount]:
    """Records in each group's dead-letter topic, and how many were not replayed yet."""
    counts = []
    async with (
        admin_client(bootstrap=bootstrap) as admin,
        bare_consumer(bootstrap=bootstrap) as consumer,
    ):
        for group in CONSUMER_GROUPS:
            topic = prefix + dead_letter_topic(group)
            tp = await dead_letter_partition(admin, topic)
            begin, end = await bounds(consumer, tp)
            state = await read_drain_state(admin, prefix=prefix, group=group, tp=tp)
            pending = pending_count(state, begin=begin, end=end)
            counts.append(DeadLetterCount(group, topic, end - begin, pending))
    return counts


async def list_dead_letters(*, bootstrap: str, prefix: str, group: str) -> list[DeadLetter]:
    """Every retained record of the group's dead-letter topic, oldest first."""
    topic = prefix + dead_letter_topic(known_group(group))
    async with (
        admin_client(bootstrap=bootstrap) as admin,
        bare_consumer(bootstrap=bootstrap) as consumer,
    ):
        tp = await dead_letter_partition(admin, topic)
        begin, end = await bounds(consumer, tp)
        state = await read_drain_state(admin, prefix=prefix, group=group, tp=tp)
        return await read_dead_letters(consumer, tp, start=begin, end=end, state=state)


async def read_dead_letters(
    consumer: AIOKafkaConsumer, tp: TopicPartition, *, start: int, end: int, state: DrainState
) -> list[DeadLetter]:
    records = await read_range(consumer, tp, start=start, end=end)
    return [
        DeadLetter(
            offset=r.offset,
            key=r.key,
            value=r.value,
            headers=tuple(r.headers),
            drained=state.is_drained(r.offset),
        )
        for r in records
    ]
