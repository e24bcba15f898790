"""Crash tests' scaffolding: one service as its own process, SIGKILLed under load, restarted.

```python
async with crash_namespace("tracking") as space:
    service = ServiceProcess("tracking", env=space.env, log=tmp_path / "tracking.log")
    async with service.running():
        killed = await kill_under_load(service, load=publish(...), count=processed, at=120)
    async with service.running():  # the same port, topics and database
        ...
```
"""

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

import httpx

from shared.kafka.topics import provision_topics
from shared.mongo import connect
from tests.conftest import KAFKA, MONGODB_URI
from tests.support import eventually, free_port

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")


@dataclass(frozen=True)
class Namespace:
    """Topics and a database of one test's own: the environment that points a service there."""

    prefix: str
    database: str

    @property
    def env(self) -> dict[str, str]:
        return {
            "KAFKA_BOOTSTRAP_SERVERS": KAFKA,
            "MONGODB_URI": MONGODB_URI,
            "TOPIC_PREFIX": self.prefix,
            "MONGODB_DATABASE": self.database,
        }


@asynccontextmanager
async def crash_namespace(service: str) -> AsyncIterator[Namespace]:
    """Fresh topics (provisioned) and database (dropped afterwards)."""
    space = Namespace(
        prefix=f"crash{uuid.uuid4().hex[:8]}.",
        database=f"test_{service}_crash_{uuid.uuid4().hex[:8]}",
    )
    await provision_topics(bootstrap_servers=KAFKA, prefix=space.prefix)
    try:
        yield space
    finally:
        client = connect(uri=MONGODB_URI)
        await client.drop_database(space.database)
        await client.close()


@dataclass
class ServiceProcess:
    """`python -m services.<name>` on its own port, its output appended to `log`; started
    again after a kill with the same port and environment."""

    name: str
    env: dict[str, str]
    log: Path
    ready_timeout_s: float = 90  # a busy shared machine starts a service slowly
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        """Start the process and wait until `/readyz` answers 200."""
        self.process = self._spawn()
        await self._wait_ready(self.process)

    def _spawn(self) -> subprocess.Popen[bytes]:
        env = os.environ | {"HTTP_PORT": str(self.port), "LOG_LEVEL": "WARNING"} | self.env
        with self.log.open("ab") as output:
            return subprocess.Popen(
                [sys.executable, "-m", f"services.{self.name}"],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    async def _wait_ready(self, process: subprocess.Popen[bytes]) -> None:
        async with httpx.AsyncClient(base_url=self.base_url, timeout=2) as http:

            async def ready() -> bool:
                assert process.poll() is None, self.log.read_text()[-3000:]
                try:
                    return (await http.get("/readyz")).status_code == 200
                except httpx.TransportError:
                    return False

            await eventually(ready, timeout=self.ready_timeout_s, interval=0.1)

    def kill(self) -> None:
        """SIGKILL: no graceful shutdown, no last commit."""
        assert self.process is not None, f"{self.name} was not started"
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM when still running (SIGKILL if it does not stop in 15 s)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    @asynccontextmanager
    async def running(self) -> AsyncIterator["ServiceProcess"]:
        """Started and ready inside the block, stopped after it (unless killed in it)."""
        try:
            await self.start()
            yield self
        finally:
            self.stop()


@dataclass
class Killed(Generic[T]):
    """The load still under way (or failed) at the kill, and the count right after it."""

    load: asyncio.Future[T]
    count: int


async def kill_under_load(
    service: ServiceProcess,
    *,
    load: Awaitable[T],
    count: Callable[[], Awaitable[int]],
    at: int,
    timeout_s: float = 120,
    interval_s: float = 0.02,
) -> Killed[T]:
    """Run `load` against `service` and SIGKILL it once `count()` reaches `at`."""
    running = asyncio.ensure_future(load)

    async def reached() -> bool:
        if running.done():
            running.result()  # a load that failed fails the test now, with its error
        return await count() >= at

    await eventually(reached, timeout=timeout_s, interval=interval_s)
    service.kill()
    return Killed(load=running, count=await count())
