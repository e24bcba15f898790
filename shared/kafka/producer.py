"""Idempotent publisher: an event counts as accepted only once every in-sync replica has it."""

import asyncio

import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from shared.envelope import Envelope, encode

log = structlog.get_logger(__name__)


class BrokerUnavailable(RuntimeError):
    """Kafka did not acknowledge in time: the caller must answer "try again"."""


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

    async def _ensure_started(self) -> AIOKafkaProducer:
        async with self._lock:
            if self._producer is not None:
                return self._producer
            producer = AIOKafkaProducer(
                bootstrap_servers=self._bootstrap,
                enable_idempotence=True,
                acks="all",
                # Batches not delivered within this bound fail instead of lingering, so an
                # event we answered "try again" for is never published behind our back.
                request_timeout_ms=int(self._timeout_s * 1000),
                linger_ms=2,
            )
            try:
                await asyncio.wait_for(producer.start(), timeout=self._timeout_s)
            except (KafkaError, OSError, TimeoutError) as exc:
                await producer.stop()
                raise BrokerUnavailable(f"cannot connect to Kafka: {exc!r}") from exc
            self._producer = producer
            return producer

    async def publish(self, envelope: Envelope, *, topic: str | None = None) -> int:
        """Send and wait for the broker's acknowledgement; returns the offset."""
        producer = await self._ensure_started()
        key, value, headers = encode(envelope)
        try:
            future = await producer.send(
                topic or self._topic, value=value, key=key, headers=headers
            )
            metadata = await future
        except (KafkaError, OSError) as exc:
            raise BrokerUnavailable(f"Kafka did not acknowledge: {exc!r}") from exc
        return int(metadata.offset)

    async def send_raw(
        self,
        *,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        headers: list[tuple[str, bytes]],
    ) -> None:
        """Publish an opaque record (dead letters, replays) and wait for the acknowledgement."""
        producer = await self._ensure_started()
        try:
            await producer.send_and_wait(topic, value=value, key=key, headers=headers)
        except (KafkaError, OSError) as exc:
            raise BrokerUnavailable(f"Kafka did not acknowledge: {exc!r}") from exc

    @property
    def connected(self) -> bool:
        return self._producer is not None

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None
