"""A store of a test's own: SecantusDB on a free port over a temporary directory, started
through the development launcher (tools/devstack/store.py), so the test may kill it."""

import asyncio
import os
import signal
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tools.devstack.processes import ManagedProcess
from tools.devstack.store import start_store, store_process, uri_for, wait_for_mongo


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class DedicatedStore:
    workdir: Path
    port: int = field(default_factory=free_port)

    @property
    def storage(self) -> Path:
        return self.workdir / "data"

    @property
    def uri(self) -> str:
        return uri_for(self.port)

    @property
    def process(self) -> ManagedProcess:
        return store_process(storage=self.storage, runtime_dir=self.workdir / "run")

    async def start(self, *, durable: bool = True) -> None:
        process = await asyncio.to_thread(
            start_store,
            port=self.port,
            storage=self.storage,
            runtime_dir=self.workdir / "run",
            durable=durable,
        )
        await wait_for_mongo(self.uri, timeout_s=60, process=process)

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would: no shutdown, no checkpoint."""
        pid = self.process.pid()
        assert pid is not None, "the dedicated store is not running"
        os.killpg(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while self.process.is_running() and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self, timeout_s: float | None = None) -> bool:
        """SIGTERM (a clean shutdown: WiredTiger closes with a checkpoint), SIGKILL at the
        timeout."""
        return self.process.stop(timeout_s)


@asynccontextmanager
async def dedicated_store(workdir: Path) -> AsyncIterator[DedicatedStore]:
    store = DedicatedStore(workdir)
    await store.start()
    try:
        yield store
    finally:
        store.stop()
