"""The shared consumer loop against the real broker: commits, retries, dead letters."""

import asyncio
import uuid

from aiokafka import AIOKafkaConsumer
from aiokafka.partitioner import DefaultPartitioner

from shared.envelope import Envelope
from shared.events import RequestSubmitted
from shared.kafka.consumer import ConsumerRunner, RetryPolicy
from shared.kafka.dead_letter import dead_letter_info
from shared.kafka.handlers import Handlers
from shared.kafka.producer import EventPublisher
from shared.kafka.topics import REQUESTS, dead_letter_topic, topic_specs
from tests.factories import envelope

PARTITIONS = next(s.partitions for s in topic_specs() if s.name == REQUESTS)


def _runner(
    kafka: str, publisher: EventPublisher, prefix: str, group: str, handler
) -> ConsumerRunner:
    return ConsumerRunner(
        bootstrap_servers=kafka,
        topic=publisher.topic,
        group_id=prefix + group,
        handlers=Handlers(single={RequestSubmitted: handler}),
        publisher=publisher,
        dead_letter_topic=prefix + dead_letter_topic("tracking"),
        retry=RetryPolicy(max_attempts=2, base_delay_s=0.01),
    )


def _partition(env: Envelope) -> int:
    partitions = list(range(PARTITIONS))
    return DefaultPartitioner()(env.key.encode(), partitions, partitions)


async def _until(predicate, timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def _read_all(kafka: str, topic: str, expected: int) -> list:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka,
        auto_offset_reset="earliest",
        group_id=None,
        enable_auto_commit=False,
    )
    await consumer.start()
    records: list = []
    try:
        deadline = asyncio.get_running_loop().time() + 20
        while len(records) < expected and asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for recs in batch.values():
                records.extend(recs)
    finally:
        await consumer.stop()
    return records


async def test_poison_and_failing_events_go_to_dead_letters_and_consumption_goes_on(
    kafka_bootstrap: str, publisher: EventPublisher, topic_prefix: str
) -> None:
    good = [envelope() for _ in range(3)]
    bad = envelope()
    handled: list[str] = []

    async def handler(env: Envelope) -> None:
        if env.id == bad.id:
            raise ValueError("catégorie inconnue")
        handled.append(env.id)

    await publisher.publish(good[0])
    await publisher.send_raw(
        topic=publisher.topic,
        key=b"k",
        value=b"{not json",
        headers=[("ce_type", b"relais.request.submitted.v1")],
    )
    await publisher.publish(bad)
    for env in good[1:]:
        await publisher.publish(env)

    runner = _runner(kafka_bootstrap, publisher, topic_prefix, "g1", handler)
    task = asyncio.create_task(runner.run())
    await _until(lambda: len(handled) == 3)
    runner.stop()
    await task

    assert sorted(handled) == sorted(e.id for e in good)
    dead = await _read_all(kafka_bootstrap, topic_prefix + dead_letter_topic("tracking"), 2)
    infos = [dead_letter_info(r.headers) for r in dead]
    assert len(dead) == 2
    assert any("missing CloudEvents header ce_id" in i["dlq_error"] for i in infos)
    failing = next(i for i in infos if i["dlq_error_type"] == "ValueError")
    assert "catégorie inconnue" in failing["dlq_error"]
    assert failing["dlq_original_topic"] == publisher.topic
    assert failing["dlq_attempts"] == "2"


async def test_committed_offsets_are_not_reprocessed_by_the_next_member(
    kafka_bootstrap: str, publisher: EventPublisher, topic_prefix: str
) -> None:
    first = [envelope() for _ in range(5)]
    for env in first:
        await publisher.publish(env)
    seen: list[str] = []

    async def handler(env: Envelope) -> None:
        seen.append(env.id)

    runner = _runner(kafka_bootstrap, publisher, topic_prefix, "g2", handler)
    task = asyncio.create_task(runner.run())
    await _until(lambda: len(seen) == 5)
    runner.stop()
    await task

    later = envelope()
    await publisher.publish(later)
    runner = _runner(kafka_bootstrap, publisher, topic_prefix, "g2", handler)
    task = asyncio.create_task(runner.run())
    await _until(lambda: len(seen) == 6)
    await asyncio.sleep(1.0)
    runner.stop()
    await task
    assert seen[5:] == [later.id]
    assert len(seen) == len(set(seen)) == 6


async def test_transient_failures_are_retried_until_they_pass(
    kafka_bootstrap: str, publisher: EventPublisher, topic_prefix: str
) -> None:
    env = envelope()
    attempts: list[int] = []

    async def handler(_: Envelope) -> None:
        attempts.append(1)
        if len(attempts) < 5:  # more than max_attempts: transient errors are not counted
            raise ConnectionRefusedError("store down")

    await publisher.publish(env)
    runner = _runner(kafka_bootstrap, publisher, topic_prefix, f"g{uuid.uuid4().hex[:4]}", handler)
    task = asyncio.create_task(runner.run())
    await _until(lambda: len(attempts) == 5)
    runner.stop()
    await task
    assert len(attempts) == 5


async def test_stop_is_prompt_even_while_waiting_for_a_missing_topic(
    kafka_bootstrap: str, publisher: EventPublisher
) -> None:
    async def handler(_: Envelope) -> None:
        raise AssertionError("nothing to consume")

    runner = ConsumerRunner(
        bootstrap_servers=kafka_bootstrap,
        topic=f"missing-{uuid.uuid4().hex}",
        group_id=f"g{uuid.uuid4().hex[:6]}",
        handlers=Handlers(single={RequestSubmitted: handler}),
        publisher=publisher,
        dead_letter_topic="unused",
    )
    task = asyncio.create_task(runner.run())
    await asyncio.sleep(1.5)
    runner.stop()
    await asyncio.wait_for(task, timeout=5)
    assert not runner.started


async def test_a_partition_retried_without_end_does_not_hold_a_rebalance(
    kafka_bootstrap: str, publisher: EventPublisher, topic_prefix: str
) -> None:
    stuck = envelope()
    attempts: list[str] = []
    seen: dict[str, list[str]] = {"a": [], "b": []}

    def handler(member: str):
        async def handle(env: Envelope) -> None:
            if env.id == stuck.id and member == "a":
                attempts.append(env.id)
                raise ConnectionRefusedError("store down")  # transient: retried forever
            seen[member].append(env.id)

        return handle

    def member(name: str) -> ConsumerRunner:
        return ConsumerRunner(
            bootstrap_servers=kafka_bootstrap,
            topic=publisher.topic,
            group_id=topic_prefix + "rebalance",
            handlers=Handlers(single={RequestSubmitted: handler(name)}),
            publisher=publisher,
            dead_letter_topic=topic_prefix + dead_letter_topic("tracking"),
            retry=RetryPolicy(base_delay_s=0.05, max_delay_s=0.2),
            revoke_timeout_s=2.0,
        )

    await publisher.publish(stuck)
    first = member("a")
    tasks = [asyncio.create_task(first.run())]
    await _until(lambda: len(attempts) >= 2)
    second = member("b")
    tasks.append(asyncio.create_task(second.run()))
    await _until(lambda: second.started)
    later = [envelope() for _ in range(24)]
    for env in later:
        await publisher.publish(env)
    # Records behind the stuck one on its partition wait for it: that is the per-request order.
    free = {e.id for e in later if _partition(e) != _partition(stuck)}
    try:
        # Both members consume: the rebalance did not wait for the stuck record.
        await _until(lambda: free <= {*seen["a"], *seen["b"]}, timeout=40)
        assert seen["b"], "the second member never got a partition"
    finally:
        first.stop()
        second.stop()
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=15)
