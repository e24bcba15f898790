"""Appointments bench: bookings/s, then free-slot queries/s over a 3-month horizon for 10
agendas, against the service as a process (real Kafka ack per booking, real store)."""

import asyncio
import itertools
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from shared.auth import DEV_SECRET, Agent, issue_token
from tests.e2e.conftest import drop_databases, start_pipeline
from tools.devstack import stop_services

AGENDAS = 10
HORIZON_DAYS = 91
CONCURRENCY = 16
AUTH = {
    "authorization": "Bearer "
    + issue_token(
        agent=Agent(agent_id="bench", name="Bench", department="etat_civil", roles=["admin"]),
        secret=DEV_SECRET,
    )
}


def agenda(n: int) -> dict[str, Any]:
    return {
        "agenda_id": f"bench-{n}",
        "department": "etat_civil",
        "kind": f"motif-{n}",
        "title": f"Motif {n}",
        "duration_min": 15,
        "capacity": 3,
        "opening": [
            {"weekday": d, "start": start, "end": end}
            for d in range(6)
            for start, end in (("08:30", "12:00"), ("13:30", "17:30"))
        ],
        "horizon_days": HORIZON_DAYS + 1,
        "min_notice_min": 60,
    }


async def _closed_loop(jobs: list[Any], run: Any) -> float:
    """Run `run(job)` for every job with CONCURRENCY workers; jobs per second."""
    queue = iter(jobs)

    async def worker() -> None:
        for job in queue:
            await run(job)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return len(jobs) / (time.perf_counter() - started)


async def measure(http: httpx.AsyncClient, *, bookings: int, queries: int) -> dict[str, float]:
    for n in range(AGENDAS):
        response = await http.post("/v1/agents/agendas", json=agenda(n), headers=AUTH)
        assert response.status_code == 201, response.text
    first = datetime.now(ZoneInfo("Europe/Paris")).date()
    window = {
        "from": first.isoformat(),
        "to": (first + timedelta(days=HORIZON_DAYS - 1)).isoformat(),
    }
    starts: list[tuple[str, str]] = []
    for n in range(AGENDAS):
        slots = (await http.get(f"/v1/agendas/bench-{n}/slots", params=window)).json()["slots"]
        starts += [(f"bench-{n}", s["start"]) for s in slots]
    # Spread bookings across agendas and slots, one contact each.
    spread = list(
        itertools.islice(itertools.cycle(starts[:: max(1, len(starts) // bookings)]), bookings)
    )

    async def book(job: tuple[int, tuple[str, str]]) -> None:
        i, (agenda_id, start) = job
        body = {"start": start, "contact": {"name": f"Habitant {i}", "email": f"h{i}@example.org"}}
        key = {"Idempotency-Key": f"bench-{i}"}
        for _ in range(10):  # 503 means "try again" (a busy broker or store): the same key
            response = await http.post(f"/v1/agendas/{agenda_id}/bookings", json=body, headers=key)
            if response.status_code != 503:
                break
            await asyncio.sleep(0.5)
        if response.status_code not in (201, 409):
            raise RuntimeError(f"{response.status_code}: {response.text[:300]}")

    async def query(i: int) -> None:
        response = await http.get(f"/v1/agendas/bench-{i % AGENDAS}/slots", params=window)
        if response.status_code != 200:
            raise RuntimeError(f"{response.status_code}: {response.text[:300]}")

    return {
        "appointments_bookings_per_s": await _closed_loop(list(enumerate(spread)), book),
        "appointments_slot_queries_3_months_per_s": await _closed_loop(list(range(queries)), query),
        "appointments_slots_per_query": len(starts) / AGENDAS,
    }


async def appointment_rates(workdir: Path, *, bootstrap: str, scale: float) -> dict[str, float]:
    pipeline = await start_pipeline(workdir, bootstrap=bootstrap, names=("appointments",))
    try:
        limits = httpx.Limits(max_connections=CONCURRENCY * 2)
        async with httpx.AsyncClient(
            base_url=pipeline.url("appointments"), timeout=60, limits=limits
        ) as http:
            return await measure(http, bookings=int(300 * scale), queries=int(200 * scale))
    finally:
        stop_services(pipeline.handles)
        await drop_databases(pipeline)
