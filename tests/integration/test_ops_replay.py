"""Rewinding a consumer group to rebuild a store: every event handled again, never while running."""

import asyncio
from datetime import UTC, datetime

import pytest

from shared.envelope import Envelope
from shared.events import RequestSubmitted
from shared.kafka.consumer import ConsumerRunner
from shared.kafka.handlers import Handlers
from shared.kafka.producer import EventPublisher
from shared.kafka.topics import dead_letter_topic
from shared.ops.errors import OpsError
from shared.ops.topics import topic_overview
from tests.factories import envelope
from tests.support import eventually
from tools.ops.replay import apply_reset, plan_reset

GROUP = "routing"


class Service:
    """A real ConsumerRunner in the group, counting the events it handles."""

    def __init__(self, kafka: str, publisher: EventPublisher, prefix: str) -> None:
        self.seen: list[str] = []
        self.runner = ConsumerRunner(
            bootstrap_servers=kafka,
            topic=publisher.topic,
            group_id=prefix + GROUP,
            handlers=Handlers(single={RequestSubmitted: self.handle}),
            publisher=publisher,
            dead_letter_topic=prefix + dead_letter_topic(GROUP),
        )
        self.task = asyncio.create_task(self.runner.run())

    async def handle(self, env: Envelope) -> None:
        self.seen.append(env.id)

    async def until_seen(self, count: int) -> None:
        async def enough() -> bool:
            return len(self.seen) >= count

        await eventually(enough)

    async def stop(self) -> None:
        self.runner.stop()
        await self.task


async def test_reset_to_earliest_makes_the_group_handle_every_event_again(
    kafka_bootstrap: str, publisher: EventPublisher, topic_prefix: str
) -> None:
    events = [envelope() for _ in range(6)]
    for env in events:
        await publisher.publish(env)
    service = Service(kafka_bootstrap, publisher, topic_prefix)
    await service.until_seen(6)

    running = await plan_reset(bootstrap=kafka_bootstrap, prefix=topic_prefix, group=GROUP)
    assert running.members == 1
    with pytest.raises(OpsError, match="stop the service"):
        await apply_reset(bootstrap=kafka_bootstrap, plan=running)
    await service.stop()

    plan = await plan_reset(bootstrap=kafka_bootstrap, prefix=topic_prefix, group=GROUP)
    assert (plan.members, plan.replayed, plan.skipped) == (0, 6, 0)
    assert sum(c.old or 0 for c in plan.changes) == 6
    assert {c.new for c in plan.changes} == {0}
    await apply_reset(bootstrap=kafka_bootstrap, plan=plan)

    _, lags = await topic_overview(bootstrap=kafka_bootstrap, prefix=topic_prefix)
    assert {lag.group_id: lag.lag for lag in lags}[topic_prefix + GROUP] == 6
    again = Service(kafka_bootstrap, publisher, topic_prefix)
    await again.until_seen(6)
    await asyncio.sleep(0.5)  # nothing more should come
    await again.stop()
    assert sorted(again.seen) == sorted(env.id for env in events)


async def test_reset_to_a_datetime_replays_only_later_events(
    kafka_bootstrap: str, publisher: EventPublisher, topic_prefix: str
) -> None:
    before = [envelope() for _ in range(3)]
    for env in before:
        await publisher.publish(env)
    await asyncio.sleep(0.05)  # record timestamps are in milliseconds
    cut = datetime.now(UTC)
    after = [envelope() for _ in range(2)]
    for env in after:
        await publisher.publish(env)
    service = Service(kafka_bootstrap, publisher, topic_prefix)
    await service.until_seen(5)
    await service.stop()

    plan = await plan_reset(
        bootstrap=kafka_bootstrap, prefix=topic_prefix, group=GROUP, to_datetime=cut
    )
    assert (plan.replayed, plan.skipped) == (2, 0)
    await apply_reset(bootstrap=kafka_bootstrap, plan=plan)
    again = Service(kafka_bootstrap, publisher, topic_prefix)
    await again.until_seen(2)
    await asyncio.sleep(0.5)
    await again.stop()
    assert sorted(again.seen) == sorted(env.id for env in after)


async def test_topic_overview_counts_records_and_lag(
    kafka_bootstrap: str, publisher: EventPublisher, topic_prefix: str
) -> None:
    for _ in range(4):
        await publisher.publish(envelope())
    sizes, lags = await topic_overview(bootstrap=kafka_bootstrap, prefix=topic_prefix)
    by_name = {size.name: size for size in sizes}
    assert (by_name[publisher.topic].partitions, by_name[publisher.topic].records) == (12, 4)
    assert by_name[topic_prefix + dead_letter_topic(GROUP)].partitions == 1
    assert all(lag.lag == 4 and not lag.committed for lag in lags)
