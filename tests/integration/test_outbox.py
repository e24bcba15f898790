"""The outbox keeps an event while Kafka is down and publishes it, once, when it is back."""

from datetime import UTC, datetime
from typing import Any

from shared.events.documents import DeletedBecause, DocumentDeleted
from shared.kafka.producer import EventPublisher
from shared.kafka.topics import DOCUMENTS
from shared.outbox import Outbox
from tests.conftest import KAFKA
from tests.support import free_port, read_log

EVENT = DocumentDeleted(
    document_id="d1", owner="a" * 64, because=DeletedBecause.CITIZEN, deleted_at=datetime.now(UTC)
)


async def test_an_event_waits_for_the_broker_then_goes_once(
    mongo_db: Any, topic_prefix: str
) -> None:
    down = EventPublisher(bootstrap_servers=f"127.0.0.1:{free_port()}", topic="x", timeout_s=1)
    outbox = Outbox(db=mongo_db, publisher=down, source="/tests")
    await outbox.ensure_indexes()
    topic = topic_prefix + DOCUMENTS
    await outbox.add(EVENT, topic=topic, event_id="evt-1")
    await outbox.add(EVENT, topic=topic, event_id="evt-1")  # the same event, stored once
    assert await outbox.flush() == 0
    assert await outbox.pending() == 1
    await down.stop()
    up = EventPublisher(bootstrap_servers=KAFKA, topic="x")
    try:
        relay = Outbox(db=mongo_db, publisher=up, source="/tests")
        assert await relay.flush() == 1
        assert await relay.flush() == 0
    finally:
        await up.stop()
    records = await read_log(KAFKA, topic)
    assert [dict(r.headers)["ce_id"] for r in records] == [b"evt-1"]
    assert records[0].key == b"d1"
