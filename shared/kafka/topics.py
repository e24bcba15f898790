"""The topics Relais uses, provisioned explicitly (auto-creation is off on the broker)."""

import contextlib
from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

REQUESTS = "relais.requests.v1"
DLQ_PREFIX = "relais.dlq."
CONSUMER_GROUPS = (
    "routing",
    "tracking",
    "notification",
    "email-adapter",
    "desk-adapter",
    "web-adapter",
    "open311",
)


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    config: dict[str, str]
    description: str


def dead_letter_topic(group: str) -> str:
    return f"{DLQ_PREFIX}{group}"


def topic_specs() -> list[TopicSpec]:
    requests = TopicSpec(
        name=REQUESTS,
        partitions=12,
        # Retained forever: every store can be rebuilt by replaying the log.
        config={"retention.ms": "-1", "cleanup.policy": "delete", "min.insync.replicas": "1"},
        description="Every event of every citizen request, keyed by request id.",
    )
    dead_letters = [
        TopicSpec(
            name=dead_letter_topic(group),
            partitions=1,
            config={"retention.ms": str(90 * 24 * 3600 * 1000)},
            description=f"Records the {group} service could not process, with the error.",
        )
        for group in CONSUMER_GROUPS
    ]
    return [requests, *dead_letters]


async def provision_topics(*, bootstrap_servers: str, prefix: str = "") -> list[str]:
    """Create missing topics; returns the names created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(
                name=prefix + s.name,
                num_partitions=s.partitions,
                replication_factor=1,
                topic_configs=s.config,
            )
            for s in topic_specs()
            if prefix + s.name not in existing
        ]
        if wanted:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(wanted)
        return [t.name for t in wanted]
    finally:
        await admin.close()
