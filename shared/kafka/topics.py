"""The topics Relais uses, provisioned explicitly (auto-creation is off on the broker)."""

import asyncio
from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code

REQUESTS = "relais.requests.v1"
DOCUMENTS = "relais.documents.v1"
PAYMENTS = "relais.payments.v1"
APPOINTMENTS = "relais.appointments.v1"
BILLING = "relais.billing.v1"
DLQ_PREFIX = "relais.dlq."
CONSUMER_GROUPS = (
    "routing",
    "tracking",
    "notification",
    "email-adapter",
    "desk-adapter",
    "web-adapter",
    "portal-adapter",
    "open311",
    "documents",
    "payments",
    "appointments",
    "notification-appointments",
    "notification-receipts",
    "payments-billing",
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
    domains = [
        TopicSpec(
            name=DOCUMENTS,
            partitions=6,
            config={"retention.ms": "-1", "cleanup.policy": "delete", "min.insync.replicas": "1"},
            description="Citizens' documents: uploads, shares, agents' reads, deletions; "
            "keyed by document id.",
        ),
        TopicSpec(
            name=PAYMENTS,
            partitions=6,
            config={"retention.ms": "-1", "cleanup.policy": "delete", "min.insync.replicas": "1"},
            description="Invoices and their payments, keyed by invoice id.",
        ),
        TopicSpec(
            name=BILLING,
            partitions=3,
            config={"retention.ms": "-1", "cleanup.policy": "delete", "min.insync.replicas": "1"},
            description="Invoices the town's billing software issues, keyed by its invoice "
            "reference; payments records each once.",
        ),
    ]
    appointments = TopicSpec(
        name=APPOINTMENTS,
        partitions=6,
        config={"retention.ms": "-1", "cleanup.policy": "delete", "min.insync.replicas": "1"},
        description="Every appointment event (booked, moved, cancelled, reminder due, "
        "no-show), keyed by agenda id.",
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
    return [requests, appointments, *domains, *dead_letters]


async def provision_topics(
    *, bootstrap_servers: str, prefix: str = "", replication_factor: int = 1
) -> list[str]:
    """Create missing topics and wait until they are usable; returns the names created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        return await create_topics(
            admin,
            [
                NewTopic(
                    name=prefix + spec.name,
                    num_partitions=spec.partitions,
                    replication_factor=replication_factor,
                    topic_configs=spec.config,
                )
                for spec in topic_specs()
            ],
        )
    finally:
        await admin.close()


async def create_topics(admin: AIOKafkaAdminClient, topics: list[NewTopic]) -> list[str]:
    """Create the missing `topics` (retrying while a just-started broker is not ready), wait
    until all are usable; returns the names created."""
    pending = {t.name: t for t in topics}
    created: list[str] = []
    for attempt in range(50):
        response = await admin.create_topics(list(pending.values()))
        for name, code, message in _errors(response):
            if code in (0, TopicAlreadyExistsError.errno):
                pending.pop(name, None)
                created += [name] if code == 0 else []
            elif not for_code(code).retriable:
                raise RuntimeError(f"cannot create topic {name}: {message or for_code(code)}")
        if not pending:
            break
        await asyncio.sleep(0.1 * (attempt + 1))
    else:
        raise RuntimeError(f"topics still not created: {sorted(pending)}")
    names = {t.name for t in topics}
    for _ in range(100):
        described = await admin.describe_topics(list(names))
        if all(not d["error_code"] and d["partitions"] for d in described):
            return created
        await asyncio.sleep(0.1)
    raise RuntimeError(f"topics not visible after creation: {sorted(names)}")


def _errors(response: object) -> list[tuple[str, int, str | None]]:
    return [(e[0], e[1], e[2] if len(e) > 2 else None) for e in response.topic_errors]  # type: ignore[attr-defined]
