"""Replaying dead letters to the topic they came from, once each.

Consumers are idempotent by event id, so replaying a record that was in fact processed (or
replaying it twice after a crash between publishing and marking) is harmless.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import OffsetAndMetadata

from shared.kafka.producer import EventPublisher
from shared.kafka.topics import DLQ_PREFIX, dead_letter_topic, topic_specs
from shared.ops.brokers import admin_client, bare_consumer
from shared.ops.deadletters import (
    DeadLetter,
    bounds,
    dead_letter_partition,
    known_group,
    read_dead_letters,
    read_drain_state,
)
from shared.ops.drain import DrainState, drain_group
from shared.ops.errors import OpsError

REPLAYED_FROM = "relais_replayed_from"


@dataclass(frozen=True)
class RedriveReport:
    topic: str
    replayed: list[DeadLetter]  # or, with dry_run, would be replayed
    skipped: list[int]  # already replayed earlier
    unreplayable: dict[int, str]  # offset -> why
    dry_run: bool


def replay_headers(letter: DeadLetter, *, dlq_topic: str) -> list[tuple[str, bytes]]:
    """The original headers (ce_* ...) without dlq_*, plus where the replay came from."""
    kept = [(k, v) for k, v in letter.headers if not k.startswith("dlq_") and k != REPLAYED_FROM]
    return [*kept, (REPLAYED_FROM, f"{dlq_topic}:{letter.offset}".encode())]


def unreplayable_reason(letter: DeadLetter, *, prefix: str) -> str | None:
    target = letter.info.get("dlq_original_topic")
    allowed = {prefix + s.name for s in topic_specs() if not s.name.startswith(DLQ_PREFIX)}
    if not target:
        return "no dlq_original_topic header"
    if target not in allowed:
        return f"original topic {target} is not a Relais topic under this prefix"
    return None


def requested_offsets(
    offsets: Sequence[int], *, replay_all: bool, begin: int, end: int
) -> list[int]:
    if replay_all == bool(offsets):
        raise OpsError("give either --offset N (repeatable) or --all")
    if replay_all:
        return list(range(begin, end))
    missing = sorted({o for o in offsets if not begin <= o < end})
    if missing:
        held = f"offsets {begin}..{end - 1}" if end > begin else "no records"
        raise OpsError(f"no dead letter at offset(s) {missing}: the topic holds {held}")
    return sorted(set(offsets))


async def replay_dead_letters(
    *,
    bootstrap: str,
    prefix: str,
    group: str,
    offsets: Sequence[int] = (),
    replay_all: bool = False,
    dry_run: bool = False,
    publish_timeout_s: float = 10.0,
) -> RedriveReport:
    """Replay the chosen (or all) dead letters not replayed yet, then record them as replayed.

    Publishing all of them comes before the record: after a failure half-way, running the
    command again replays some records twice, which idempotent consumers ignore.
    """
    topic = prefix + dead_letter_topic(known_group(group))
    drainer = prefix + drain_group(group)
    async with (
        admin_client(bootstrap=bootstrap) as admin,
        bare_consumer(bootstrap=bootstrap, group_id=drainer) as consumer,
    ):
        tp = await dead_letter_partition(admin, topic)
        begin, end = await bounds(consumer, tp)
        wanted = requested_offsets(offsets, replay_all=replay_all, begin=begin, end=end)
        state = await read_drain_state(admin, prefix=prefix, group=group, tp=tp)
        todo = [o for o in wanted if not state.is_drained(o)]
        letters = await _read_offsets(consumer, tp, todo, state=state)
        unreplayable = {
            letter.offset: reason
            for letter in letters
            if (reason := unreplayable_reason(letter, prefix=prefix))
        }
        ready = [letter for letter in letters if letter.offset not in unreplayable]
        drained = state.with_drained((letter.offset for letter in ready), log_start=begin)
        metadata = drained.metadata()  # fails before publishing if the state cannot be kept
        if ready and not dry_run:
            await _publish(bootstrap, topic, ready, timeout_s=publish_timeout_s)
            await consumer.commit({tp: OffsetAndMetadata(drained.watermark, metadata)})
    skipped = [o for o in wanted if state.is_drained(o)]
    return RedriveReport(topic, ready, skipped, unreplayable, dry_run)


async def _read_offsets(
    consumer: AIOKafkaConsumer, tp: TopicPartition, offsets: list[int], *, state: DrainState
) -> list[DeadLetter]:
    if not offsets:
        return []
    read = await read_dead_letters(consumer, tp, start=offsets[0], end=offsets[-1] + 1, state=state)
    chosen = set(offsets)
    return [letter for letter in read if letter.offset in chosen]


async def _publish(
    bootstrap: str, dlq_topic: str, letters: list[DeadLetter], *, timeout_s: float
) -> None:
    publisher = EventPublisher(bootstrap_servers=bootstrap, topic=dlq_topic, timeout_s=timeout_s)
    try:
        for letter in letters:
            await publisher.send_raw(
                topic=letter.info["dlq_original_topic"],
                key=letter.key,
                value=letter.value,
                headers=replay_headers(letter, dlq_topic=dlq_topic),
            )
    finally:
        await publisher.stop()
