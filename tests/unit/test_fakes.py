from datetime import UTC, datetime

import pytest

from shared.envelope import Envelope
from shared.errors import BrokerUnavailable
from shared.events import NotificationSent
from tests.fakes import InMemoryPublisher


def _sent() -> Envelope:
    data = NotificationSent(
        request_id="r1",
        reference="2026-P000001",
        notification_id="n1",
        channel="email",
        template="acknowledged",
        sent_at=datetime.now(UTC),
    )
    return Envelope(data=data, source="test")


async def test_the_in_memory_publisher_keeps_what_it_was_given() -> None:
    publisher = InMemoryPublisher()
    envelope = _sent()
    assert await publisher.publish(envelope) == 0
    assert publisher.of_type(NotificationSent) == [envelope]


async def test_the_in_memory_publisher_fails_like_a_broker_that_is_down() -> None:
    publisher = InMemoryPublisher(down=True)
    with pytest.raises(BrokerUnavailable):
        await publisher.publish(_sent())
    assert publisher.published == []
