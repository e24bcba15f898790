"""Pipeline figures: portal accepts per second, accepted -> visible in tracking."""

import asyncio
import statistics
import time
from dataclasses import dataclass
from typing import Any

import httpx

from tests.e2e.flow import REQUEST


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


Collection = Any  # an AsyncCollection of tracking's `requests`


async def _routed(requests: Collection, ids: list[str]) -> set[str]:
    """Which of `ids` tracking has applied routing's decision to (read from its own store)."""
    found = requests.find({"_id": {"$in": ids}, "department_code": {"$ne": None}}, {"_id": 1})
    return {doc["_id"] async for doc in found}


async def drain_time(
    requests: Collection, accepted: list[Accepted], *, deadline_s: float = 600
) -> float:
    """Seconds from the first acceptance until every accepted request is routed in tracking."""
    pending = [a.body["id"] for a in accepted]
    limit = time.perf_counter() + deadline_s
    while pending:
        if time.perf_counter() > limit:
            raise RuntimeError(f"{len(pending)} requests never became visible")
        done = await _routed(requests, pending)
        pending = [i for i in pending if i not in done]
        if pending:
            await asyncio.sleep(0.2)
    return time.perf_counter() - min(a.at for a in accepted)


async def latencies(
    client: httpx.AsyncClient, portal: str, requests: Collection, *, rate: float, duration_s: float
) -> list[float]:
    """Open loop at `rate` requests/s: seconds from each 202 until tracking shows it routed.

    One poller reads tracking's store, so the figures include up to one poll of delay. It
    keeps polling until every request was sent and seen: stopping when it has caught up with
    the requests accepted so far would miss the ones sent after."""
    count = int(rate * duration_s)
    accepted: dict[str, float] = {}
    seen: dict[str, float] = {}

    async def one() -> None:
        response = await client.post(portal, json=REQUEST)
        if response.status_code != 202:
            raise RuntimeError(f"{portal}: {response.status_code} {response.text[:200]}")
        accepted[response.json()["id"]] = time.perf_counter()

    async def poll(deadline: float) -> None:
        while len(seen) < count and time.perf_counter() < deadline:
            pending = [i for i in accepted if i not in seen]
            if pending:
                for request_id in await _routed(requests, pending):
                    seen[request_id] = time.perf_counter()
            await asyncio.sleep(0.01)

    poller = asyncio.create_task(poll(time.perf_counter() + duration_s + 120))
    tasks = []
    started = time.perf_counter()
    for k in range(count):  # on a fixed schedule, so a slow answer does not lower the rate
        await asyncio.sleep(max(0.0, started + k / rate - time.perf_counter()))
        tasks.append(asyncio.create_task(one()))
    await asyncio.gather(*tasks)
    await poller
    if len(seen) < count:
        raise RuntimeError(f"only {len(seen)} of {count} requests became visible")
    return sorted(seen[i] - accepted[i] for i in accepted)


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]
