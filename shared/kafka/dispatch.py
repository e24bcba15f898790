"""One partition's records through a group's handlers: log order, batches, retries, dead letters.

Kafka-free, so the consumer loop and the tests' harness run exactly the same code. Failures:
a transient one (a dependency down) is retried without limit, the partition staying paused
meanwhile, until it passes or the partition is released (revoked or stopping: then nothing
more is done nor committed for it, and the next owner redelivers); any other failure is
retried `max_attempts` times (a bounded wait, finished even when released), then the record
goes alone to the dead-letter topic.
"""

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import structlog

from shared.envelope import Envelope, KafkaRecord, PoisonMessage, decode
from shared.errors import is_transient
from shared.events import EVENT_MODELS
from shared.kafka.dead_letter import dead_letter_headers
from shared.kafka.handlers import BatchHandler, Handler, Handlers
from shared.kafka.retry import RetryPolicy
from shared.logging import bind_correlation, clear_correlation
from shared.metrics import DEAD_LETTERS, EVENT_SECONDS, EVENTS_CONSUMED

log = structlog.get_logger(__name__)
Item = tuple[KafkaRecord, Envelope[Any]]
# How records become envelopes: request events by default; appointment events have their own.
Decoder = Callable[[KafkaRecord], Any]


class RawSender(Protocol):
    async def send_raw(
        self,
        *,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        headers: list[tuple[str, bytes]],
    ) -> None: ...


class Released(Exception):
    """The partition was revoked or the consumer stops: give it up where it stands."""


class Lease:
    """This member's hold on one partition, released by a rebalance or by stop()."""

    def __init__(self, stopping: asyncio.Event) -> None:
        self.revoked = asyncio.Event()
        self._stopping = stopping

    @property
    def released(self) -> bool:
        return self.revoked.is_set() or self._stopping.is_set()

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds`, or raise Released as soon as the partition is let go."""
        waits = [asyncio.ensure_future(e.wait()) for e in (self.revoked, self._stopping)]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.wait(waits, return_when="FIRST_COMPLETED"), seconds)
        for wait in waits:
            wait.cancel()
        if self.released:
            raise Released


class Dispatcher:
    """Feeds one partition's records, in order, to the handlers registered for their types."""

    def __init__(
        self,
        *,
        handlers: Handlers,
        publisher: RawSender,
        group: str,
        dead_letter_topic: str,
        retry: RetryPolicy,
        decoder: Decoder = decode,
    ) -> None:
        handlers.check()
        self._decoder = decoder
        self._handlers = handlers
        self._publisher = publisher
        self._group = group
        self._dlq = dead_letter_topic
        self._retry = retry

    async def process(
        self, records: Sequence[KafkaRecord], *, lease: Lease, done: Callable[[int], None]
    ) -> None:
        """Handle `records`; `done(offset)` reports each point up to which all is handled."""
        run: list[Item] = []
        run_handler: BatchHandler = _no_batch
        for record in records:
            envelope = await self._decode(record, lease)  # None: it went to the dead letters
            if envelope is not None:
                event_type = type(envelope.data)
                batch = self._handlers.batch_handler_for(event_type)
                single = self._handlers.handler_for(event_type)
                if batch is None and single is None:  # skipped, without closing the run
                    EVENTS_CONSUMED.labels(self._group, envelope.type, "ignored").inc()
                else:
                    if run and batch is not run_handler:
                        await self._run_batch(run, run_handler, lease)
                        run = []
                    if batch is not None:
                        run.append((record, envelope))
                        run_handler = batch
                        continue
                    if single is not None:
                        await self._handle_one(record, envelope, single, lease)
            if not run:
                done(record.offset + 1)
        if run:  # records skipped after the run's first one are done with it
            await self._run_batch(run, run_handler, lease)
            done(records[-1].offset + 1)

    async def _decode(self, record: KafkaRecord, lease: Lease) -> Envelope[Any] | None:
        try:
            return self._decoder(record)
        except PoisonMessage as exc:
            await self._dead_letter(record, exc, attempts=0, lease=lease)
            return None

    async def _run_batch(self, items: list[Item], handler: BatchHandler, lease: Lease) -> None:
        """The whole run at once; after a non-transient failure, one record at a time."""
        if len(items) == 1:
            record, envelope = items[0]
            await self._handle_one(record, envelope, _one_by_one(handler), lease)
            return
        attempt = 0
        while True:
            attempt += 1
            started = time.perf_counter()
            try:
                await handler([envelope for _, envelope in items])
            except Exception as exc:
                if not is_transient(exc):
                    log.warning("batch.failed", error=repr(exc), size=len(items))
                    for record, envelope in items:
                        await self._handle_one(record, envelope, _one_by_one(handler), lease)
                    return
                log.warning("batch.transient_failure", error=repr(exc), attempt=attempt)
                await lease.sleep(self._retry.delay(min(attempt, 10)))
                continue
            self._handled([e for _, e in items], time.perf_counter() - started)
            return

    async def _handle_one(
        self, record: KafkaRecord, envelope: Envelope[Any], handler: Handler, lease: Lease
    ) -> None:
        bind_correlation(
            correlation_id=envelope.correlation_id, event_id=envelope.id, request_id=envelope.key
        )
        try:
            await self._with_retries(record, envelope, handler, lease)
        finally:
            clear_correlation()

    async def _with_retries(
        self, record: KafkaRecord, envelope: Envelope[Any], handler: Handler, lease: Lease
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
                    await lease.sleep(self._retry.delay(min(attempt, 10)))
                    continue
                if attempt >= self._retry.max_attempts:
                    log.error("event.failed", error=repr(exc), attempts=attempt)
                    await self._dead_letter(record, exc, attempts=attempt, lease=lease)
                    return
                # Bounded (a few seconds in all): finished even when stopping or revoked.
                await asyncio.sleep(self._retry.delay(attempt))
                continue
            self._handled([envelope], time.perf_counter() - started)
            return

    def _handled(self, envelopes: list[Envelope[Any]], seconds: float) -> None:
        for envelope in envelopes:  # a batch's time is shared out evenly between its events
            EVENT_SECONDS.labels(self._group).observe(seconds / len(envelopes))
            EVENTS_CONSUMED.labels(self._group, envelope.type, "ok").inc()

    async def _dead_letter(
        self, record: KafkaRecord, error: BaseException, *, attempts: int, lease: Lease
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
                await lease.sleep(self._retry.delay(min(attempt, 8)))
        event_type = event_type_of(record)
        DEAD_LETTERS.labels(self._group).inc()
        EVENTS_CONSUMED.labels(self._group, event_type, "dead_lettered").inc()
        log.error(
            "event.dead_lettered",
            type=event_type,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            error=str(error)[:500],
        )


def event_type_of(record: KafkaRecord) -> str:
    """The record's ce_type when it names a known event (metric labels stay bounded)."""
    for key, value in record.headers or ():
        if key == "ce_type":
            name = bytes(value).decode("utf-8", "replace")
            return name if name in EVENT_MODELS else "unknown"
    return "unknown"


def _one_by_one(handler: BatchHandler) -> Handler:
    async def one(envelope: Envelope[Any]) -> None:
        await handler([envelope])

    return one


async def _no_batch(_: Sequence[Envelope[Any]]) -> None:
    """Placeholder handler of an empty run; never called."""
