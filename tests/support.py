"""Helpers for tests that run a real service over real HTTP on 127.0.0.1."""

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from fastapi import FastAPI

from shared.envelope import Envelope, decode
from shared.kafka.topics import provision_topics


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def fresh_topics(bootstrap: str, *, head: str = "t") -> AsyncIterator[str]:
    """A new topic prefix with its topics provisioned, so tests never see each other's records;
    the topics are deleted afterwards so the broker stays small (and fast)."""
    prefix = f"{head}{uuid.uuid4().hex[:10]}."
    created = await provision_topics(bootstrap_servers=bootstrap, prefix=prefix)
    try:
        yield prefix
    finally:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            await admin.delete_topics(created)
        finally:
            await admin.close()


@asynccontextmanager
async def serve_app(app: FastAPI, *, port: int | None = None) -> AsyncIterator[str]:
    """Run `app` (lifespan included) under uvicorn; yields its base URL."""
    port = port or free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="on"
        )
    )
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve())
    deadline = asyncio.get_running_loop().time() + 30
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("server exited before starting")
        assert asyncio.get_running_loop().time() < deadline, "server did not start"
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def eventually(
    check: Callable[[], Awaitable[bool]], *, timeout: float = 20.0, interval: float = 0.1
) -> None:
    """Poll `check` until it returns True, failing after `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(interval)


async def read_log(bootstrap: str, topic: str, *, timeout: float = 20.0) -> list[Any]:
    """Every record of `topic`, from the beginning up to its end as it is now."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False
    )
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in await _partitions(bootstrap, topic)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        records: list[Any] = []
        deadline = asyncio.get_running_loop().time() + timeout
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            assert asyncio.get_running_loop().time() < deadline, f"could not read {topic}"
            batch = await consumer.getmany(*partitions, timeout_ms=500)
            records += [r for recs in batch.values() for r in recs]
        return records
    finally:
        await consumer.stop()


async def _partitions(bootstrap: str, topic: str) -> list[int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        (described,) = await admin.describe_topics([topic])
    finally:
        await admin.close()
    assert not described["error_code"], f"no topic {topic}"
    return [p["partition"] for p in described["partitions"]]


async def published(bootstrap: str, topic: str) -> list[Envelope]:
    """Every event on `topic` up to its current end, decoded."""
    return [decode(record) for record in await read_log(bootstrap, topic)]


# Real-world data kept beside the repository, in ../shared/testdata (read-only; present in CI,
# absent from a bare clone). RELAIS_TESTDATA points elsewhere.
TESTDATA = Path(
    os.environ.get("RELAIS_TESTDATA") or Path(__file__).resolve().parents[2] / "shared" / "testdata"
)
SISIMAI = TESTDATA / "bounces-sisimai" / "maildir"
needs_sisimai = pytest.mark.skipif(
    not SISIMAI.is_dir(),
    reason=f"real bounce corpus absent: {SISIMAI} (../shared/testdata beside the repository)",
)


def sisimai_cases(names: Iterable[str]) -> list[Any]:
    """Parameters for files of the real bounce corpus, skipped with the reason when absent."""
    return [pytest.param(SISIMAI / name, marks=needs_sisimai, id=name) for name in names]
