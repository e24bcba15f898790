"""What is on the broker: Relais topics, their sizes, and each consumer group's lag."""

from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient

from shared.kafka.topics import CONSUMER_GROUPS, REQUESTS, topic_specs
from shared.ops.brokers import admin_client, bare_consumer, partitions_of
from shared.ops.errors import OpsError


@dataclass(frozen=True)
class TopicSize:
    name: str
    partitions: int | None  # None: the topic does not exist
    records: int  # sum of end offsets: records ever written


@dataclass(frozen=True)
class GroupLag:
    group_id: str
    lag: int  # records of the requests topic the group has not committed yet
    committed: bool  # False: no commit yet, the lag counts from the earliest offsets


async def _size(admin: AIOKafkaAdminClient, consumer: AIOKafkaConsumer, name: str) -> TopicSize:
    try:
        partitions = await partitions_of(admin, name)
    except OpsError:
        return TopicSize(name, None, 0)
    ends = await consumer.end_offsets(partitions)
    return TopicSize(name, len(partitions), sum(ends.values()))


async def topic_overview(*, bootstrap: str, prefix: str) -> tuple[list[TopicSize], list[GroupLag]]:
    async with (
        admin_client(bootstrap=bootstrap) as admin,
        bare_consumer(bootstrap=bootstrap) as consumer,
    ):
        sizes = [await _size(admin, consumer, prefix + spec.name) for spec in topic_specs()]
        requests = await partitions_of(admin, prefix + REQUESTS)
        ends = await consumer.end_offsets(requests)
        earliest = await consumer.beginning_offsets(requests)
        lags = []
        for group in CONSUMER_GROUPS:
            committed = await admin.list_consumer_group_offsets(prefix + group)
            starts = {
                tp: committed[tp].offset if tp in committed else earliest[tp] for tp in requests
            }
            lag = sum(ends[tp] - starts[tp] for tp in requests)
            lags.append(GroupLag(prefix + group, lag, any(tp in committed for tp in requests)))
    return sizes, lags
