"""A crashed consumer loop is restarted with backoff and counted."""

import asyncio

from shared.metrics import CONSUMER_RESTARTS
from shared.runtime import supervise


class CrashingRunner:
    """Crashes `crashes` times, then runs until stopped."""

    group = "supervised"

    def __init__(self, crashes: int) -> None:
        self.crashes = crashes
        self.runs = 0
        self._stop = asyncio.Event()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def stop(self) -> None:
        self._stop.set()

    async def stopped(self) -> None:
        await self._stop.wait()

    async def run(self) -> None:
        self.runs += 1
        if self.runs <= self.crashes:
            raise RuntimeError("a bug in the loop")
        await self._stop.wait()


async def test_a_crashed_loop_is_restarted_until_it_is_stopped() -> None:
    before = CONSUMER_RESTARTS.labels("supervised")._value.get()
    runner = CrashingRunner(crashes=3)
    task = asyncio.create_task(supervise(runner, base_delay_s=0.01))  # type: ignore[arg-type]
    while runner.runs < 4:
        await asyncio.sleep(0.01)
    assert not task.done()
    runner.stop()
    await asyncio.wait_for(task, timeout=1)
    assert runner.runs == 4
    assert CONSUMER_RESTARTS.labels("supervised")._value.get() - before == 3


async def test_stopping_during_the_backoff_is_prompt() -> None:
    runner = CrashingRunner(crashes=100)
    task = asyncio.create_task(supervise(runner, base_delay_s=30))  # type: ignore[arg-type]
    while runner.runs < 1:
        await asyncio.sleep(0.01)
    runner.stop()
    await asyncio.wait_for(task, timeout=1)
    assert runner.runs == 1
