"""Idempotent publisher: an event counts as accepted only once every in-sync replica has it.

An idempotent producer never gives up on a batch by itself: with the broker down it would
retry forever and deliver, hours later, an event whose sender was told "try again". So when
Kafka does not acknowledge within `timeout_s`, the producer is abandoned with everything it
still holds (each waiting caller gets BrokerUnavailable) and a fresh one is made next time.
What a caller was told is then what happened, except for the unavoidable case of a write the
broker made but whose acknowledgement was lost; channel message ids de-duplicate that retry.
"""

import asyncio
import contextlib
from collections.abc import Iterable
from typing import Any, Protocol

import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from shared.envelope import Envelope, encode
from shared.errors import BrokerUnavailable

log = structlog.get_logger(__name__)


class EventPublisher:
    def __init__(self, *, bootstrap_servers: str, topic: str, timeout_s: float = 5.0) -> None:
        self._bootstrap = bootstrap_servers
        self._topic = topic
        self._timeout_s = timeout_s
        self._producer: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()

    @property
    def topic(self) -> str:
        return self._topic

    async def start(self) -> None:
        """Connect now if possible; otherwise connect lazily on first publish."""
        try:
            await self._ensure_started()
        except BrokerUnavailable:
            log.warning("kafka.producer.start_deferred")

    async def publish(self, envelope: Envelope[Any], *, topic: str | None = None) -> int:
        """Send and wait for the broker's acknowledgement; returns the offset."""
        key, value, headers = encode(envelope)
        return await self._send(topic or self._topic, key, value, headers)

    async def send_raw(
        self,
        *,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        headers: list[tuple[str, bytes]],
    ) -> None:
        """Publish an opaque record (dead letters, replays) and wait for the acknowledgement."""
        await self._send(topic, key, value, headers)

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    async def _send(
        self, topic: str, key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]]
    ) -> int:
        producer = await self._ensure_started()
        try:
            async with asyncio.timeout(self._timeout_s):
                future = await producer.send(topic, value=value, key=key, headers=headers)
                metadata = await asyncio.shield(future)
        except TimeoutError as exc:
            await self._abandon(producer)
            raise BrokerUnavailable(
                f"Kafka did not acknowledge within {self._timeout_s} s"
            ) from exc
        except (KafkaError, OSError) as exc:
            raise BrokerUnavailable(f"Kafka did not acknowledge: {exc!r}") from exc
        return int(metadata.offset)

    async def _ensure_started(self) -> AIOKafkaProducer:
        async with self._lock:
            if self._producer is not None:
                return self._producer
            producer = AIOKafkaProducer(
                bootstrap_servers=self._bootstrap,
                enable_idempotence=True,
                acks="all",
                request_timeout_ms=int(self._timeout_s * 1000),
                linger_ms=2,
            )
            try:
                await asyncio.wait_for(producer.start(), timeout=self._timeout_s)
            except (KafkaError, OSError, TimeoutError) as exc:
                await self._discard(producer)
                raise BrokerUnavailable(f"cannot connect to Kafka: {exc!r}") from exc
            self._producer = producer
            return producer

    async def _abandon(self, producer: AIOKafkaProducer) -> None:
        async with self._lock:
            if self._producer is producer:
                self._producer = None
        log.warning("kafka.producer.abandoned", timeout_s=self._timeout_s)
        await self._discard(producer)

    async def _discard(self, producer: AIOKafkaProducer) -> None:
        """Close without delivering what is still queued (aiokafka has no public way)."""
        producer._message_accumulator.fail_all(BrokerUnavailable("producer abandoned"))
        with contextlib.suppress(Exception):
            await asyncio.wait_for(producer.stop(), timeout=self._timeout_s)


class Publisher(Protocol):
    async def publish(self, envelope: Envelope[Any], *, topic: str | None = None) -> int: ...


async def publish_all(publisher: Publisher, envelopes: Iterable[Envelope[Any]]) -> None:
    """Publish concurrently and return once Kafka acknowledged every one (else raise)."""
    acks = await asyncio.gather(*map(publisher.publish, envelopes), return_exceptions=True)
    if failed := next((a for a in acks if isinstance(a, BaseException)), None):
        raise failed
