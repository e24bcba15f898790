"""The one Kafka consumer loop: a worker per partition, manual commits after the side effects.

Each poll hands the records of a partition to a worker (shared/kafka/dispatch.py) and pauses
that partition until the worker is done: the records of one partition (so of one request)
are handled strictly in order, in batches, while other partitions go on and the loop keeps
polling (a record retried for an hour does not make this member leave the group). Offsets are
committed after their side effects, at the next poll. When a rebalance revokes partitions,
their workers are told to give up at their next retry, the listener waits for them at most
`revoke_timeout_s`, commits what they finished and nothing after: the new owner redelivers
the rest, and handlers are idempotent by event id.
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError

from shared.envelope import KafkaRecord, decode
from shared.kafka.dispatch import Decoder, Dispatcher, Lease, Released
from shared.kafka.handlers import Handlers
from shared.kafka.producer import EventPublisher
from shared.kafka.retry import RetryPolicy

__all__ = ["ConsumerRunner", "Handlers", "RetryPolicy"]
log = structlog.get_logger(__name__)


class _Rebalance(ConsumerRebalanceListener):
    def __init__(self, runner: "ConsumerRunner") -> None:
        self._runner = runner

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        await self._runner.release(set(revoked))

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        self._runner.assigned(set(assigned))
        log.info("kafka.partitions_assigned", count=len(assigned))


@dataclass
class _Worker:
    lease: Lease
    lost: bool = False
    """Set once the partition's offsets were committed on revoke: report nothing more."""
    task: "asyncio.Task[None] | None" = field(default=None, repr=False)


class ConsumerRunner:
    """Consumes one topic for one group and hands each partition's records to the handlers."""

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
        revoke_timeout_s: float = 10.0,
        decoder: Decoder = decode,
    ) -> None:
        self._bootstrap = bootstrap_servers
        self._topic = topic
        self._group = group_id
        self._retry = retry or RetryPolicy()
        self._dispatcher = Dispatcher(
            handlers=handlers,
            publisher=publisher,
            group=group_id,
            dead_letter_topic=dead_letter_topic,
            retry=self._retry,
            decoder=decoder,
        )
        self._batch_size = batch_size
        self._revoke_timeout_s = revoke_timeout_s
        self._consumer: AIOKafkaConsumer | None = None
        self._workers: dict[TopicPartition, _Worker] = {}
        self._pending: dict[TopicPartition, int] = {}
        self._held: set[TopicPartition] = set()
        self._crash: BaseException | None = None
        self._stop = asyncio.Event()
        self.started = False

    @property
    def group(self) -> str:
        return self._group

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    async def run(self) -> None:
        """Consume until stop(); raises if a worker failed unexpectedly (the caller restarts)."""
        self._crash = None
        self._held.clear()
        consumer = await self._connect()
        if consumer is None:
            return
        try:
            while not self._stop.is_set():
                batch = await consumer.getmany(timeout_ms=200, max_records=self._batch_size)
                for tp, records in batch.items():
                    self._start_worker(consumer, tp, records)
                await self.commit_pending()
                if self._crash is not None:
                    raise self._crash
        finally:
            await self._wind_down()
            await consumer.stop()
            self._consumer = None
            self.started = False

    def stop(self) -> None:
        self._stop.set()

    async def stopped(self) -> None:
        await self._stop.wait()

    def _start_worker(
        self, consumer: AIOKafkaConsumer, tp: TopicPartition, records: Sequence[KafkaRecord]
    ) -> None:
        consumer.pause(tp)  # nothing more from it until this worker is done
        worker = _Worker(lease=Lease(self._stop))
        worker.task = asyncio.create_task(self._work(consumer, tp, records, worker))
        self._workers[tp] = worker

    async def _work(
        self,
        consumer: AIOKafkaConsumer,
        tp: TopicPartition,
        records: Sequence[KafkaRecord],
        worker: _Worker,
    ) -> None:
        def done(offset: int) -> None:
            if not worker.lost:
                self._pending[tp] = offset

        try:
            await self._dispatcher.process(records, lease=worker.lease, done=done)
        except Released:
            log.info("kafka.partition_released", partition=tp.partition)
        except Exception as exc:  # a bug in the loop itself: restart from the last commit
            log.exception("kafka.worker_failed", partition=tp.partition)
            self._crash = exc
            return
        finally:
            if self._workers.get(tp) is worker:
                del self._workers[tp]
        # A revoked partition stays paused: its next owner (maybe us) starts from the commit.
        resume = tp in self._held or not worker.lease.revoked.is_set()
        self._held.discard(tp)
        if resume and self._crash is None and tp in consumer.assignment():
            consumer.resume(tp)

    async def release(self, revoked: set[TopicPartition]) -> None:
        """Revoked partitions: stop their workers (bounded wait), commit what they finished."""
        workers = [w for tp, w in self._workers.items() if tp in revoked]
        for worker in workers:
            worker.lease.revoked.set()
        tasks = [w.task for w in workers if w.task is not None]
        if tasks:
            _, stuck = await asyncio.wait(tasks, timeout=self._revoke_timeout_s)
            if stuck:
                log.warning("kafka.revoke_left_stuck_handlers", count=len(stuck))
        await self.commit_pending()
        for worker in workers:
            worker.lost = True
        for tp in revoked:
            self._pending.pop(tp, None)

    def assigned(self, assigned: set[TopicPartition]) -> None:
        """A partition given back while its former worker still runs waits for that worker."""
        if self._consumer is None:
            return
        for tp in assigned & set(self._workers):
            self._consumer.pause(tp)
            self._held.add(tp)

    async def commit_pending(self) -> None:
        if not self._pending or self._consumer is None:
            return
        assignment = self._consumer.assignment()
        offsets = {tp: o for tp, o in self._pending.items() if tp in assignment}
        self._pending = {}
        if not offsets:
            return
        try:
            await self._consumer.commit(offsets)
        except (CommitFailedError, KafkaError) as exc:
            # The partitions moved to another member, which will redeliver; handlers are
            # idempotent by event id so this is safe.
            log.warning("kafka.commit_failed", error=repr(exc))

    async def _wind_down(self) -> None:
        """Let the workers finish the attempt in hand (bounded), then commit what is done."""
        workers = list(self._workers.values())
        for worker in workers:
            worker.lease.revoked.set()
        tasks = [w.task for w in workers if w.task is not None]
        if tasks:
            _, stuck = await asyncio.wait(tasks, timeout=self._revoke_timeout_s)
            for task in stuck:
                task.cancel()
            await asyncio.gather(*stuck, return_exceptions=True)
        await self.commit_pending()
        self._workers.clear()

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
            self._consumer = consumer
            consumer.subscribe([self._topic], listener=_Rebalance(self))
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
            self.started = True
            log.info("kafka.consumer.started", topic=self._topic, group=self._group)
            return consumer
        return None

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

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), timeout=seconds)
