"""Feeds envelopes to a service's handlers exactly as the consumer loop does, without Kafka.

The records go through the real dispatcher (decoding, batches, retries, dead letters); what
the handlers publish and what is dead-lettered lands in an InMemoryPublisher.
"""

import asyncio
from dataclasses import dataclass, field
from typing import Any

from shared.envelope import Envelope, encode
from shared.kafka.dispatch import Dispatcher, Lease
from shared.kafka.handlers import Handlers
from shared.kafka.retry import RetryPolicy
from tests.fakes import InMemoryPublisher, RawRecord

TOPIC = "relais.requests.v1"


@dataclass(frozen=True)
class Record:
    """A consumed record as aiokafka hands it over."""

    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]
    offset: int
    topic: str = TOPIC
    partition: int = 0


@dataclass
class Harness:
    handlers: Handlers
    publisher: InMemoryPublisher = field(default_factory=InMemoryPublisher)
    group: str = "test"
    retry: RetryPolicy = field(default_factory=lambda: RetryPolicy(max_attempts=2, base_delay_s=0))
    committed: int = 0
    """The offset the consumer loop would commit after the last feed."""
    _next_offset: int = 0

    @property
    def dead_letter_topic(self) -> str:
        return f"relais.dlq.{self.group}"

    @property
    def dead_letters(self) -> list[RawRecord]:
        return [r for r in self.publisher.raw if r.topic == self.dead_letter_topic]

    def record(self, envelope: Envelope[Any]) -> Record:
        key, value, headers = encode(envelope)
        return self.raw(key=key, value=value, headers=headers)

    def raw(
        self, *, key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]]
    ) -> Record:
        self._next_offset += 1
        return Record(key=key, value=value, headers=headers, offset=self._next_offset - 1)

    async def feed(self, *items: Envelope[Any] | Record) -> None:
        """One poll's worth of records of one partition, in this order."""
        records = [i if isinstance(i, Record) else self.record(i) for i in items]
        dispatcher = Dispatcher(
            handlers=self.handlers,
            publisher=self.publisher,
            group=self.group,
            dead_letter_topic=self.dead_letter_topic,
            retry=self.retry,
        )
        await dispatcher.process(records, lease=Lease(asyncio.Event()), done=self._done)

    def _done(self, offset: int) -> None:
        self.committed = offset
