"""Intake against the real broker and store: numbering, de-duplication, redelivery."""

import asyncio

from aiokafka import AIOKafkaConsumer

from shared.events import Channel, Citizen, RequestSubmitted
from shared.intake import DELIVERIES, Identity, Intake
from shared.kafka.producer import EventPublisher
from shared.references import ReferenceAllocator


def _build(identity: Identity) -> RequestSubmitted:
    return RequestSubmitted(
        request_id=identity.request_id,
        reference=identity.reference,
        channel=Channel.PORTAL,
        description="Lampadaire éteint",
        citizen=Citizen(email="a@example.org"),
        tracking_token_hash=identity.tracking_token_hash,
        submitted_at=identity.received_at,
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


async def test_a_redelivered_message_returns_the_first_receipt_and_publishes_once(
    kafka_bootstrap: str, publisher: EventPublisher, mongo_db
) -> None:
    intake = Intake(db=mongo_db, publisher=publisher, source="/relais/tests", letter="P")
    first = await intake.submit(channel=Channel.PORTAL, channel_message_id="m-1", build=_build)
    again = await intake.submit(channel=Channel.PORTAL, channel_message_id="m-1", build=_build)
    other = await intake.submit(channel=Channel.PORTAL, channel_message_id="m-2", build=_build)
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
    intake = Intake(db=mongo_db, publisher=publisher, source="/relais/tests", letter="P")
    first = await intake.submit(channel=Channel.PORTAL, channel_message_id="m-9", build=_build)
    # As if the process died between Kafka's acknowledgement and marking it published.
    await mongo_db[DELIVERIES].update_one({"_id": "portal:m-9"}, {"$set": {"state": "pending"}})
    again = await intake.submit(channel=Channel.PORTAL, channel_message_id="m-9", build=_build)
    assert again.request_id == first.request_id
    records = await _records(kafka_bootstrap, publisher.topic)
    event_ids = {dict(r.headers)["ce_id"] for r in records}
    assert len(records) == 2 and len(event_ids) == 1


async def test_concurrent_allocators_never_hand_out_the_same_reference(mongo_db) -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 11, 28, tzinfo=UTC)
    replicas = [ReferenceAllocator(db=mongo_db, letter="P") for _ in range(3)]
    references = await asyncio.gather(*(replicas[i % 3].allocate(now=now) for i in range(60)))
    assert len(set(references)) == 60
    assert min(references) == "2026-P000001"
    assert all(r.startswith("2026-P") and len(r) == 12 for r in references)
