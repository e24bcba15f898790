"""Intake against the real broker and store: numbering, de-duplication, redelivery."""

import asyncio
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer

from shared.events import Channel, Citizen
from shared.intake import DELIVERIES, Intake, RequestDraft
from shared.kafka.producer import EventPublisher
from shared.references import COUNTERS, LEGACY, ReferenceAllocator
from shared.tokens import TrackingKeys

KEYS = TrackingKeys(version="1", secret="integration-tracking-secret", retired={})


def _draft(message_id: str) -> RequestDraft:
    return RequestDraft(
        channel=Channel.PORTAL,
        channel_message_id=message_id,
        description="Lampadaire éteint",
        citizen=Citizen(email="a@example.org"),
    )


async def _records(kafka: str, topic: str) -> list:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        batch = await consumer.getmany(timeout_ms=2000)
        return [r for recs in batch.values() for r in recs]
    finally:
        await consumer.stop()


def _intake(mongo_db, publisher: EventPublisher) -> Intake:
    return Intake.on_mongo(
        db=mongo_db, publisher=publisher, source="/relais/tests", letter="P", keys=KEYS
    )


async def test_a_redelivered_message_returns_the_first_receipt_and_publishes_once(
    kafka_bootstrap: str, publisher: EventPublisher, mongo_db
) -> None:
    intake = _intake(mongo_db, publisher)
    first = await intake.submit(_draft("m-1"))
    await intake.settle()
    again = await intake.submit(_draft("m-1"))
    other = await intake.submit(_draft("m-2"))
    assert (again.request_id, again.reference, again.tracking_token) == (
        first.request_id,
        first.reference,
        first.tracking_token,
    )
    assert again.duplicate and not first.duplicate
    assert other.reference != first.reference
    records = await _records(kafka_bootstrap, publisher.topic)
    assert sorted(r.key.decode() for r in records) == sorted([first.request_id, other.request_id])


async def test_a_delivery_left_pending_is_republished_with_the_same_event_id(
    kafka_bootstrap: str, publisher: EventPublisher, mongo_db
) -> None:
    intake = _intake(mongo_db, publisher)
    first = await intake.submit(_draft("m-9"))
    await intake.settle()
    # As if the process died between Kafka's acknowledgement and marking it published.
    await mongo_db[DELIVERIES].update_one({"_id": "portal:m-9"}, {"$set": {"state": "pending"}})
    again = await intake.submit(_draft("m-9"))
    assert again.request_id == first.request_id
    records = await _records(kafka_bootstrap, publisher.topic)
    event_ids = {dict(r.headers)["ce_id"] for r in records}
    assert len(records) == 2 and len(event_ids) == 1
    assert (await mongo_db[DELIVERIES].find_one({"_id": "portal:m-9"}))["state"] == "published"


NOW = datetime(2026, 11, 28, tzinfo=UTC)


async def test_concurrent_allocators_never_hand_out_the_same_reference(mongo_db) -> None:
    replicas = [ReferenceAllocator(db=mongo_db, letter="P", block=7) for _ in range(3)]
    references = await asyncio.gather(*(replicas[i % 3].allocate(now=NOW) for i in range(90)))
    assert len(set(references)) == 90
    assert min(references) == "2026-P000001"
    assert all(r.startswith("2026-P") and len(r) == 12 for r in references)


async def test_allocators_of_separate_clients_on_one_database_never_collide(
    mongodb_uri: str, mongo_db
) -> None:
    """Two processes of one adapter: each has its own connection and its own blocks."""
    from shared.mongo import connect

    clients = [connect(uri=mongodb_uri) for _ in range(2)]
    try:
        allocators = [ReferenceAllocator(db=c[mongo_db.name], letter="P", block=5) for c in clients]
        batches = await asyncio.gather(
            *(asyncio.gather(*(a.allocate(now=NOW) for _ in range(40))) for a in allocators)
        )
    finally:
        for client in clients:
            await client.close()
    every = [r for batch in batches for r in batch]
    assert len(every) == 80 and len(set(every)) == 80


async def test_a_restarted_allocator_never_reuses_a_number(mongo_db) -> None:
    before = ReferenceAllocator(db=mongo_db, letter="P", block=50)
    first = [await before.allocate(now=NOW) for _ in range(3)]
    after = ReferenceAllocator(db=mongo_db, letter="P", block=50)  # the process restarted
    second = [await after.allocate(now=NOW) for _ in range(3)]
    assert not set(first) & set(second)
    assert min(second) > max(first)  # the rest of the first block is abandoned, not reused
    assert second[0] == "2026-P000051"


async def test_each_year_and_letter_has_its_own_counter(mongo_db) -> None:
    portal = ReferenceAllocator(db=mongo_db, letter="P", block=10)
    assert await portal.allocate(now=NOW) == "2026-P000001"
    assert await portal.allocate(now=datetime(2027, 1, 1, tzinfo=UTC)) == "2027-P000001"
    other = ReferenceAllocator(db=mongo_db, letter="E", block=10)
    assert await other.allocate(now=NOW) == "2026-E000001"
    assert await mongo_db[COUNTERS].count_documents({}) == 3


async def test_counters_start_after_numbers_claimed_the_old_way(mongo_db) -> None:
    await mongo_db[LEGACY].insert_many([{"_id": "2026-P000041"}, {"_id": "2026-P000007"}])
    allocator = ReferenceAllocator(db=mongo_db, letter="P", block=10)
    assert await allocator.allocate(now=NOW) == "2026-P000042"
