"""The portal over a store killed with SIGKILL in the middle of a load: every request it
accepted (202) is still known once the store is back, and no reference is given out twice."""

import asyncio
import uuid
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.conftest import start_pipeline
from tests.e2e.flow import REQUEST
from tests.store_support import dedicated_store
from tools.devstack import stop_services

CLIENTS = 8
KILL_AFTER_ACCEPTED = 40


async def submit_until_refused(http: httpx.AsyncClient, accepted: dict[str, Any]) -> None:
    """Submit requests, each with its own Idempotency-Key, until the portal fails one."""
    while True:
        key = f"crash-{uuid.uuid4()}"
        try:
            response = await http.post(
                "/v1/requests", json=REQUEST, headers={"Idempotency-Key": key}
            )
        except httpx.HTTPError:
            return
        if response.status_code != 202:
            return
        accepted[key] = response.json()


async def load_then_kill(http: httpx.AsyncClient, kill: Any) -> dict[str, Any]:
    accepted: dict[str, Any] = {}
    clients = [asyncio.create_task(submit_until_refused(http, accepted)) for _ in range(CLIENTS)]
    while len(accepted) < KILL_AFTER_ACCEPTED and not all(c.done() for c in clients):
        await asyncio.sleep(0.02)
    kill()
    await asyncio.gather(*clients)
    assert len(accepted) >= KILL_AFTER_ACCEPTED, "the portal refused requests before the kill"
    return accepted


async def test_requests_the_portal_accepted_survive_a_sigkill_of_its_store(
    tmp_path: Path,
) -> None:
    async with dedicated_store(tmp_path / "store") as store:
        running = await start_pipeline(
            tmp_path / "pipeline", names=("portal",), extra_env={"MONGODB_URI": store.uri}
        )
        try:
            async with httpx.AsyncClient(base_url=running.url("portal"), timeout=10) as http:
                accepted = await load_then_kill(http, store.kill)
                await store.start()  # same storage
                for key, first in accepted.items():
                    again = await http.post(
                        "/v1/requests", json=REQUEST, headers={"Idempotency-Key": key}, timeout=40
                    )
                    assert (again.status_code, again.json()) == (202, first), key
                fresh = await http.post("/v1/requests", json=REQUEST, timeout=40)
        finally:
            stop_services(running.handles)
    assert fresh.status_code == 202
    assert fresh.json()["reference"] not in {a["reference"] for a in accepted.values()}
