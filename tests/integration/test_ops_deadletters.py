"""Operators' dead-letter tools against the real broker: list, replay once, replay nothing twice."""

import asyncio

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from shared.envelope import Envelope, encode
from shared.events import RequestSubmitted
from shared.kafka.consumer import ConsumerRunner, RetryPolicy
from shared.kafka.handlers import Handlers
from shared.kafka.producer import EventPublisher
from shared.kafka.topics import REQUESTS, dead_letter_topic
from shared.ops.deadletters import count_dead_letters, list_dead_letters
from shared.ops.redrive import REPLAYED_FROM, replay_dead_letters
from tests.factories import envelope
from tests.support import eventually

GROUP = "tracking"


async def dead_letter(
    kafka: str, publisher: EventPublisher, prefix: str, bad: list[Envelope]
) -> None:
    """Run a real ConsumerRunner whose handler fails on `bad` until all are dead-lettered."""
    failing = {env.id for env in bad}
    good = envelope()
    handled: list[str] = []

    async def handler(env: Envelope) -> None:
        if env.id in failing:
            raise ValueError("catégorie inconnue")
        handled.append(env.id)

    for env in [*bad, good]:
        await publisher.publish(env)
    runner = ConsumerRunner(
        bootstrap_servers=kafka,
        topic=publisher.topic,
        group_id=prefix + GROUP,
        handlers=Handlers(single={RequestSubmitted: handler}),
        publisher=publisher,
        dead_letter_topic=prefix + dead_letter_topic(GROUP),
        retry=RetryPolicy(max_attempts=2, base_delay_s=0.01),
    )
    task = asyncio.create_task(runner.run())

    async def all_dead_lettered() -> bool:
        counts = await count_dead_letters(bootstrap=kafka, prefix=prefix)
        return good.id in handled and any(c.group == GROUP and c.total == len(bad) for c in counts)

    try:
        await eventually(all_dead_lettered)
    finally:
        runner.stop()
        await task


async def replays_in(kafka: str, topic: str) -> list[ConsumerRecord]:
    """The records of `topic` carrying a relais_replayed_from header, read up to its end."""
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka, group_id=None)
    await consumer.start()
    records: list[ConsumerRecord] = []
    try:
        partitions = [TopicPartition(topic, p) for p in range(12)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning()
        ends = await consumer.end_offsets(partitions)
        deadline = asyncio.get_running_loop().time() + 20
        while any([await consumer.position(tp) < ends[tp] for tp in partitions]):
            assert asyncio.get_running_loop().time() < deadline, "could not read the topic"
            batch = await consumer.getmany(timeout_ms=200)
            records.extend(r for recs in batch.values() for r in recs)
    finally:
        await consumer.stop()
    return [r for r in records if any(k == REPLAYED_FROM for k, _ in r.headers)]


async def pending(kafka: str, prefix: str) -> tuple[int, int]:
    counts = {c.group: c for c in await count_dead_letters(bootstrap=kafka, prefix=prefix)}
    assert all(c.total == 0 for group, c in counts.items() if group != GROUP)
    return counts[GROUP].total, counts[GROUP].pending


async def test_dead_letter_is_listed_then_replayed_to_its_topic_once(
    kafka_bootstrap: str, publisher: EventPublisher, topic_prefix: str
) -> None:
    bad = envelope()
    await dead_letter(kafka_bootstrap, publisher, topic_prefix, [bad])
    dlq = topic_prefix + dead_letter_topic(GROUP)

    assert await pending(kafka_bootstrap, topic_prefix) == (1, 1)
    [letter] = await list_dead_letters(bootstrap=kafka_bootstrap, prefix=topic_prefix, group=GROUP)
    assert letter.info["dlq_error_type"] == "ValueError"
    assert "catégorie inconnue" in letter.info["dlq_error"]
    assert letter.info["dlq_original_topic"] == topic_prefix + REQUESTS
    assert (letter.header("ce_id"), letter.drained) == (bad.id, False)

    report = await replay_dead_letters(
        bootstrap=kafka_bootstrap, prefix=topic_prefix, group=GROUP, replay_all=True
    )
    assert [r.offset for r in report.replayed] == [letter.offset]
    assert (report.skipped, report.unreplayable) == ([], {})

    [replayed] = await replays_in(kafka_bootstrap, publisher.topic)
    key, value, headers = encode(bad)
    assert (replayed.key, replayed.value) == (key, value)
    assert list(replayed.headers) == [*headers, (REPLAYED_FROM, f"{dlq}:{letter.offset}".encode())]

    again = await replay_dead_letters(
        bootstrap=kafka_bootstrap, prefix=topic_prefix, group=GROUP, replay_all=True
    )
    assert (again.replayed, again.skipped) == ([], [letter.offset])
    assert len(await replays_in(kafka_bootstrap, publisher.topic)) == 1
    [listed] = await list_dead_letters(bootstrap=kafka_bootstrap, prefix=topic_prefix, group=GROUP)
    assert listed.drained
    assert await pending(kafka_bootstrap, topic_prefix) == (1, 0)


async def test_dry_run_then_one_offset_then_the_rest(
    kafka_bootstrap: str, publisher: EventPublisher, topic_prefix: str
) -> None:
    bad = [envelope() for _ in range(3)]
    await dead_letter(kafka_bootstrap, publisher, topic_prefix, bad)
    letters = await list_dead_letters(bootstrap=kafka_bootstrap, prefix=topic_prefix, group=GROUP)
    first, middle, last = (letter.offset for letter in letters)
    kwargs = {"bootstrap": kafka_bootstrap, "prefix": topic_prefix, "group": GROUP}

    dry = await replay_dead_letters(**kwargs, offsets=[middle], dry_run=True)
    assert [r.offset for r in dry.replayed] == [middle]
    assert await pending(kafka_bootstrap, topic_prefix) == (3, 3)

    one = await replay_dead_letters(**kwargs, offsets=[middle])
    assert [r.offset for r in one.replayed] == [middle]
    assert await pending(kafka_bootstrap, topic_prefix) == (3, 2)

    rest = await replay_dead_letters(**kwargs, replay_all=True)
    assert ([r.offset for r in rest.replayed], rest.skipped) == ([first, last], [middle])
    replayed_ids = [
        dict(r.headers)["ce_id"].decode()
        for r in await replays_in(kafka_bootstrap, publisher.topic)
    ]
    assert sorted(replayed_ids) == sorted(env.id for env in bad)
    assert await pending(kafka_bootstrap, topic_prefix) == (3, 0)


async def test_a_record_without_origin_is_reported_and_left_pending(
    kafka_bootstrap: str, publisher: EventPublisher, topic_prefix: str
) -> None:
    dlq = topic_prefix + dead_letter_topic(GROUP)
    await publisher.send_raw(topic=dlq, key=b"k", value=b"{}", headers=[])
    report = await replay_dead_letters(
        bootstrap=kafka_bootstrap, prefix=topic_prefix, group=GROUP, replay_all=True
    )
    assert report.replayed == []
    assert report.unreplayable == {0: "no dlq_original_topic header"}
    assert await pending(kafka_bootstrap, topic_prefix) == (1, 1)
