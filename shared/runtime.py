"""Wiring shared by services: Kafka publisher, optional database, consumer loops, lifespan."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import structlog
from fastapi import FastAPI
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from shared.config import ServiceSettings
from shared.envelope import decode
from shared.kafka.consumer import ConsumerRunner, Handlers, RetryPolicy
from shared.kafka.dispatch import Decoder
from shared.kafka.producer import EventPublisher
from shared.kafka.topics import REQUESTS, dead_letter_topic
from shared.metrics import CONSUMER_RESTARTS
from shared.mongo import Document, connect, ping

log = structlog.get_logger(__name__)


@dataclass
class Runtime:
    """The process-wide resources of one service, created once at start-up."""

    settings: ServiceSettings
    publisher: EventPublisher
    client: AsyncMongoClient[Document] | None = None
    runners: list[ConsumerRunner] = field(default_factory=list)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @classmethod
    def create(cls, settings: ServiceSettings, *, with_database: bool = True) -> "Runtime":
        publisher = EventPublisher(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            topic=settings.topic_prefix + REQUESTS,
            timeout_s=settings.publish_timeout_s,
        )
        client = connect(uri=settings.mongodb_uri) if with_database else None
        return cls(settings=settings, publisher=publisher, client=client)

    @property
    def db(self) -> AsyncDatabase[Document]:
        if self.client is None:
            raise RuntimeError(f"{self.settings.service_name} has no database")
        return self.client[self.settings.database_name]

    def consume(
        self,
        *,
        group: str,
        handlers: Handlers,
        retry: RetryPolicy | None = None,
        topic: str = REQUESTS,
        decoder: Decoder = decode,
    ) -> None:
        """Register a consumer loop on `topic` (the request events by default) for `group`.

        `handlers` come bound (`Handlers.bind`); an unbound dependency fails here, at wiring.
        """
        prefix = self.settings.topic_prefix
        self.runners.append(
            ConsumerRunner(
                bootstrap_servers=self.settings.kafka_bootstrap_servers,
                topic=prefix + topic,
                decoder=decoder,
                group_id=prefix + group,
                handlers=handlers,
                publisher=self.publisher,
                dead_letter_topic=prefix + dead_letter_topic(group),
                retry=retry,
            )
        )

    async def start(self) -> None:
        await self.publisher.start()
        self._tasks = [
            asyncio.create_task(supervise(r), name=f"consumer-{r.group}") for r in self.runners
        ]

    async def stop(self) -> None:
        for runner in self.runners:
            runner.stop()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.publisher.stop()
        if self.client is not None:
            await self.client.close()
        log.info("service.stopped")

    async def database_ready(self) -> bool:
        return self.client is None or await ping(self.db)

    async def consumers_ready(self) -> bool:
        return all(r.started for r in self.runners) and not any(t.done() for t in self._tasks)


async def supervise(
    runner: ConsumerRunner, *, base_delay_s: float = 1.0, max_delay_s: float = 60.0
) -> None:
    """Run `runner` until it is stopped, restarting it with backoff whenever it crashes."""
    failures = 0
    while not runner.stopping:
        try:
            await runner.run()
            failures = 0
        except Exception:
            failures += 1
            CONSUMER_RESTARTS.labels(runner.group).inc()
            delay = min(max_delay_s, base_delay_s * 2 ** (failures - 1))
            log.exception("kafka.consumer.crashed", group=runner.group, restart_in_s=delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(runner.stopped(), timeout=delay)


def lifespan_for(
    runtime: Runtime,
    *,
    on_start: Callable[[], object] | None = None,
    after_start: Callable[[], Awaitable[None]] | None = None,
    background: Sequence[Callable[[], Coroutine[Any, Any, None]]] = (),
    on_stop: Callable[[], Awaitable[None]] | None = None,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """`on_start` (indexes...), the runtime, `after_start` (needs the producer), then the
    `background` loops while serving; on the way out the loops are cancelled, `on_stop` runs
    and the runtime stops."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if on_start is not None:
            result = on_start()
            if asyncio.iscoroutine(result):
                await result
        await runtime.start()
        if after_start is not None:
            await after_start()
        tasks = [asyncio.create_task(loop()) for loop in background]
        log.info("service.started", port=runtime.settings.http_port)
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if on_stop is not None:
                await on_stop()
            await runtime.stop()

    return lifespan
