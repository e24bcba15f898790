"""Rebuilding a service's store from the log: move its group's committed offsets back.

The service must be stopped: offsets of a group with active members cannot be moved (its
members would overwrite them with their next commit), so both planning and applying check.
"""

from dataclasses import dataclass
from datetime import datetime

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import CommitFailedError
from aiokafka.structs import OffsetAndMetadata

from shared.kafka.topics import REQUESTS
from shared.ops.brokers import admin_client, bare_consumer, partitions_of
from shared.ops.deadletters import known_group
from shared.ops.errors import OpsError


@dataclass(frozen=True)
class OffsetChange:
    partition: int
    old: int | None  # None: the group never committed here, so it starts at `earliest`
    new: int
    earliest: int

    @property
    def delta(self) -> int:
        """Events handled again (> 0) or skipped (< 0) because of the change."""
        return (self.earliest if self.old is None else self.old) - self.new


@dataclass(frozen=True)
class ResetPlan:
    group_id: str
    topic: str
    changes: list[OffsetChange]
    group_state: str
    members: int

    @property
    def replayed(self) -> int:
        return sum(c.delta for c in self.changes if c.delta > 0)

    @property
    def skipped(self) -> int:
        return sum(-c.delta for c in self.changes if c.delta < 0)


async def group_activity(admin: AIOKafkaAdminClient, group_id: str) -> tuple[str, int]:
    """(state, number of active members) of a consumer group."""
    response = (await admin.describe_consumer_groups([group_id]))[0]
    _error, _group, state, _protocol_type, _protocol, members, *_ = response.groups[0]
    return state, len(members)


async def _target_offsets(
    consumer: AIOKafkaConsumer,
    partitions: list[TopicPartition],
    to_datetime: datetime | None,
    earliest: dict[TopicPartition, int],
) -> dict[TopicPartition, int]:
    if to_datetime is None:
        return earliest
    millis = int(to_datetime.timestamp() * 1000)
    found = await consumer.offsets_for_times(dict.fromkeys(partitions, millis))
    ends = await consumer.end_offsets(partitions)
    # No record at or after the time: start after the last one.
    return {tp: ends[tp] if found[tp] is None else found[tp].offset for tp in partitions}


async def plan_reset(
    *, bootstrap: str, prefix: str, group: str, to_datetime: datetime | None = None
) -> ResetPlan:
    """Offsets the group would restart from: the earliest ones, or the first at to_datetime."""
    group_id = prefix + known_group(group)
    topic = prefix + REQUESTS
    async with (
        admin_client(bootstrap=bootstrap) as admin,
        bare_consumer(bootstrap=bootstrap) as consumer,
    ):
        partitions = await partitions_of(admin, topic)
        earliest = await consumer.beginning_offsets(partitions)
        targets = await _target_offsets(consumer, partitions, to_datetime, earliest)
        committed = await admin.list_consumer_group_offsets(group_id)
        state, members = await group_activity(admin, group_id)
    changes = [
        OffsetChange(
            partition=tp.partition,
            old=committed[tp].offset if tp in committed else None,
            new=targets[tp],
            earliest=earliest[tp],
        )
        for tp in partitions
    ]
    return ResetPlan(group_id, topic, changes, state, members)


async def apply_reset(*, bootstrap: str, plan: ResetPlan) -> None:
    """Commit the plan's offsets for its group, refusing while the group has active members."""
    async with admin_client(bootstrap=bootstrap) as admin:
        state, members = await group_activity(admin, plan.group_id)
    if members:
        raise _still_running(plan.group_id, state, members)
    offsets = {
        TopicPartition(plan.topic, c.partition): OffsetAndMetadata(c.new, "") for c in plan.changes
    }
    async with bare_consumer(bootstrap=bootstrap, group_id=plan.group_id) as consumer:
        consumer.assign(list(offsets))
        try:
            await consumer.commit(offsets)
        except CommitFailedError as exc:  # a member joined since the check
            raise _still_running(plan.group_id, "active", 1) from exc


def _still_running(group_id: str, state: str, members: int) -> OpsError:
    return OpsError(
        f"group {group_id} has {members} active member(s) (state {state}): stop the service "
        "first, then run the command again"
    )
