"""Pipeline figures: portal accepts per second, accepted -> visible in tracking."""

import asyncio
import statistics
import time
from dataclasses import dataclass
from typing import Any

import httpx

from tests.e2e.flow import REQUEST, department_label


@dataclass
class Accepted:
    body: dict[str, Any]
    at: float


async def accept_burst(
    client: httpx.AsyncClient,
    url: str,
    *,
    count: int,
    concurrency: int,
    payload: dict[str, Any] | None = None,
) -> tuple[float, list[Accepted]]:
    """Closed loop: `concurrency` clients POST `count` requests; returns accepts/s."""
    accepted: list[Accepted] = []
    queue = iter(range(count))

    async def worker() -> None:
        for _ in queue:
            response = await client.post(url, json=payload or REQUEST)
            if response.status_code != 202:
                raise RuntimeError(f"{url}: {response.status_code} {response.text[:200]}")
            accepted.append(Accepted(response.json(), time.perf_counter()))

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return count / (time.perf_counter() - started), accepted


async def _visible(client: httpx.AsyncClient, tracking: str, body: dict[str, Any]) -> bool:
    response = await client.get(
        f"{tracking}/v1/public/requests/{body['reference']}",
        headers={"X-Tracking-Token": body["tracking_token"]},
    )
    return response.status_code == 200 and department_label(response.json()) is not None


async def drain_time(
    client: httpx.AsyncClient, tracking: str, accepted: list[Accepted], *, deadline_s: float = 300
) -> float:
    """Seconds from the first acceptance until every accepted request is routed in tracking."""
    pending = list(accepted)
    limit = time.perf_counter() + deadline_s
    while pending:
        if time.perf_counter() > limit:
            raise RuntimeError(f"{len(pending)} requests never became visible")
        # Oldest first: once one is not visible yet, the later ones rarely are.
        still = []
        for item in pending:
            if still or not await _visible(client, tracking, item.body):
                still.append(item)
        pending = still
        if pending:
            await asyncio.sleep(0.05)
    return time.perf_counter() - min(a.at for a in accepted)


async def latencies(
    client: httpx.AsyncClient, portal: str, tracking: str, *, rate: float, duration_s: float
) -> list[float]:
    """Open loop at `rate` requests/s; each: time from 202 to visible-and-routed."""

    async def one() -> float:
        response = await client.post(portal, json=REQUEST)
        accepted_at = time.perf_counter()
        body = response.json()
        while not await _visible(client, tracking, body):
            await asyncio.sleep(0.01)
        return time.perf_counter() - accepted_at

    tasks = []
    for _ in range(int(rate * duration_s)):
        tasks.append(asyncio.create_task(one()))
        await asyncio.sleep(1 / rate)
    return sorted(await asyncio.gather(*tasks))


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]
