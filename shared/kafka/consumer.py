"""The one Kafka consumer loop: manual commits after side effects, retries, dead letters."""

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError

from shared.envelope import Envelope, KafkaRecord, PoisonMessage, decode
from shared.errors import is_transient
from shared.events import Event
from shared.kafka.dead_letter import dead_letter_headers
from shared.kafka.producer import EventPublisher
from shared.logging import bind_correlation, clear_correlation
from shared.metrics import DEAD_LETTERS, EVENT_SECONDS, EVENTS_CONSUMED

log = structlog.get_logger(__name__)

Handler = Callable[[Envelope], Awaitable[None]]
Handlers = Mapping[type[Event], Handler]


class _Stopping(Exception):
    """Raised inside a retry loop when the runner is asked to stop."""


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base_delay_s: float = 0.1
    max_delay_s: float = 30.0

    def delay(self, attempt: int) -> float:
        return min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1))


class _CommitOnRevoke(ConsumerRebalanceListener):
    def __init__(self, runner: "ConsumerRunner") -> None:
        self._runner = runner

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        async with self._runner.processing:  # wait for the batch in hand to finish
            await self._runner.commit_pending()

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        log.info("kafka.partitions_assigned", count=len(assigned))


class ConsumerRunner:
    """Consumes one topic for one group and dispatches events to handlers by type."""

    def __init__(
        self,
        *,
        bootstrap_servers: str,
        topic: str,
        group_id: str,
        handlers: Handlers,
        publisher: EventPublisher,
        dead_letter_topic: str,
        retry: RetryPolicy | None = None,
        batch_size: int = 500,
    ) -> None:
        self._bootstrap = bootstrap_servers
        self._topic = topic
        self._group = group_id
        self._handlers = dict(handlers)
        self._publisher = publisher
        self._dlq = dead_letter_topic
        self._retry = retry or RetryPolicy()
        self._batch_size = batch_size
        self._consumer: AIOKafkaConsumer | None = None
        self._pending: dict[TopicPartition, int] = {}
        self._stop = asyncio.Event()
        self.processing = asyncio.Lock()
        self.started = False

    async def run(self) -> None:
        consumer = await self._connect()
        if consumer is None:
            return
        try:
            while not self._stop.is_set():
                batch = await consumer.getmany(timeout_ms=500, max_records=self._batch_size)
                if batch:
                    async with self.processing:
                        await self._process_batch(batch)
        finally:
            await self.commit_pending()
            await consumer.stop()
            self.started = False

    async def _connect(self) -> AIOKafkaConsumer | None:
        attempt = 0
        while not self._stop.is_set():
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self._bootstrap,
                group_id=self._group,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                isolation_level="read_committed",
            )
            consumer.subscribe([self._topic], listener=_CommitOnRevoke(self))
            try:
                if not await self._until_stopped(consumer.start()):
                    await consumer.stop()
                    return None
            except (KafkaError, OSError) as exc:
                attempt += 1
                await consumer.stop()
                log.warning("kafka.consumer.connect_failed", error=repr(exc), attempt=attempt)
                await self._sleep(self._retry.delay(min(attempt, 8)))
                continue
            self._consumer = consumer
            self.started = True
            log.info("kafka.consumer.started", topic=self._topic, group=self._group)
            return consumer
        return None

    def stop(self) -> None:
        self._stop.set()

    async def _until_stopped(self, step: Awaitable[None]) -> bool:
        """Await `step` unless stop() comes first (start() waits forever for a missing topic)."""
        work = asyncio.ensure_future(step)
        stopping = asyncio.ensure_future(self._stop.wait())
        await asyncio.wait({work, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not work.done():
            work.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await work
            return False
        work.result()
        return True

    async def _process_batch(self, batch: dict[TopicPartition, list[KafkaRecord]]) -> None:
        # Partitions in parallel, records of one partition (one request) strictly in order.
        await asyncio.gather(*(self._process_partition(tp, recs) for tp, recs in batch.items()))
        await self.commit_pending()

    async def _process_partition(self, tp: TopicPartition, records: list[KafkaRecord]) -> None:
        for record in records:
            try:
                await self._process_record(record)
            except _Stopping:
                return
            self._pending[tp] = record.offset + 1

    async def commit_pending(self) -> None:
        if not self._pending or self._consumer is None:
            return
        offsets, self._pending = self._pending, {}
        try:
            await self._consumer.commit(offsets)
        except (CommitFailedError, KafkaError) as exc:
            # The partitions moved to another member, which will redeliver; handlers are
            # idempotent by event id so this is safe.
            log.warning("kafka.commit_failed", error=repr(exc))

    async def _process_record(self, record: KafkaRecord) -> None:
        try:
            envelope = decode(record)
        except PoisonMessage as exc:
            await self._dead_letter(record, exc, attempts=0)
            return
        handler = self._handlers.get(type(envelope.data))
        if handler is None:
            EVENTS_CONSUMED.labels(self._group, envelope.type, "ignored").inc()
            return
        bind_correlation(
            correlation_id=envelope.correlation_id, event_id=envelope.id, request_id=envelope.key
        )
        try:
            await self._handle_with_retries(record, envelope, handler)
        finally:
            clear_correlation()

    async def _handle_with_retries(
        self, record: KafkaRecord, envelope: Envelope, handler: Handler
    ) -> None:
        attempt = 0
        while True:
            attempt += 1
            started = time.perf_counter()
            try:
                await handler(envelope)
            except Exception as exc:
                if is_transient(exc):
                    log.warning("event.transient_failure", error=repr(exc), attempt=attempt)
                    await self._sleep(self._retry.delay(min(attempt, 10)))
                    if self._stop.is_set():
                        raise _Stopping from exc
                    continue
                if attempt >= self._retry.max_attempts:
                    log.error("event.failed", error=repr(exc), attempts=attempt)
                    await self._dead_letter(record, exc, attempts=attempt)
                    return
                await self._sleep(self._retry.delay(attempt))
                continue
            EVENT_SECONDS.labels(self._group).observe(time.perf_counter() - started)
            EVENTS_CONSUMED.labels(self._group, envelope.type, "ok").inc()
            return

    async def _dead_letter(
        self, record: KafkaRecord, error: BaseException, *, attempts: int
    ) -> None:
        headers = dead_letter_headers(record, error=error, group=self._group, attempts=attempts)
        attempt = 0
        while True:
            try:
                await self._publisher.send_raw(
                    topic=self._dlq, key=record.key, value=record.value, headers=headers
                )
                break
            except Exception as exc:  # the record must not be committed before it is parked
                attempt += 1
                log.warning("kafka.dead_letter_retry", error=repr(exc), attempt=attempt)
                await self._sleep(self._retry.delay(min(attempt, 8)))
                if self._stop.is_set():
                    raise _Stopping from exc
        DEAD_LETTERS.labels(self._group).inc()
        EVENTS_CONSUMED.labels(self._group, "unknown", "dead_lettered").inc()
        log.error(
            "event.dead_lettered",
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            error=str(error)[:500],
        )

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), timeout=seconds)
