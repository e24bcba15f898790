"""Page render times of the web faces: the agents' queue (50 requests) and the status page.

Measured end to end over HTTP, as a browser asks for them: the console or the site renders
the page from tracking's API, so the figure includes that call.
"""

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from tests.bench.pipeline import percentile
from tests.e2e.conftest import Pipeline, drop_databases, start_pipeline
from tools.devstack import stop_services

FACES = ("portal", "routing", "tracking", "site", "console")
# httpx sends Secure cookies over https only; the bench talks plain HTTP on 127.0.0.1.
ENV = {"COOKIE_SECURE": "false"}
QUEUE_SIZE = 50
REQUEST = {
    "category": "voirie",
    "subject": "Nid-de-poule",
    "description": "Un nid-de-poule devant le 12 rue des Lilas.",
    "citizen": {"email": "camille@example.org", "name": "Camille Martin"},
}


async def _fill_queue(client: httpx.AsyncClient, pipeline: Pipeline) -> dict[str, str]:
    """50 requests of one department, all routed; the last one's reference and code."""
    accepted = {}
    for _ in range(QUEUE_SIZE):
        response = await client.post(f"{pipeline.url('portal')}/v1/requests", json=REQUEST)
        accepted = response.json()
    tracking = f"{pipeline.url('tracking')}/v1/public/requests/{accepted['reference']}"
    for _ in range(600):
        view = await client.get(tracking, headers={"X-Tracking-Token": accepted["tracking_token"]})
        if view.status_code == 200 and view.json().get("department"):
            break
        await asyncio.sleep(0.1)
    return {"reference": accepted["reference"], "code": accepted["tracking_token"]}


async def _agent(console: str) -> httpx.AsyncClient:
    agent = httpx.AsyncClient(base_url=console, timeout=30)
    page = await agent.get("/connexion")
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, "no CSRF field on the login page"
    form = {"csrf": found.group(1), "name": "Bench", "department": "services_techniques"}
    await agent.post("/connexion/dev", data=form)
    return agent


async def _timings(call: Callable[[], Awaitable[httpx.Response]], count: int) -> list[float]:
    durations = []
    for _ in range(count):
        start = time.perf_counter()
        response = await call()
        durations.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
    return durations


async def page_renders(workdir: Path, *, bootstrap: str, count: int) -> dict[str, float]:
    pipeline = await start_pipeline(workdir, bootstrap=bootstrap, names=FACES, extra_env=ENV)
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            status = await _fill_queue(client, pipeline)
            agent = await _agent(pipeline.url("console"))
            queue = await agent.get("/")
            assert queue.text.count("/demandes/") >= QUEUE_SIZE, "the queue is not full"
            site = f"{pipeline.url('site')}/suivi"
            queue_times = await _timings(lambda: agent.get("/"), count)
            status_times = await _timings(lambda: client.post(site, data=status), count)
            await agent.aclose()
    finally:
        stop_services(pipeline.handles)
        await drop_databases(pipeline)
    return {
        "page_queue_50_p50_ms": percentile(queue_times, 50) * 1000,
        "page_queue_50_p99_ms": percentile(queue_times, 99) * 1000,
        "page_status_p50_ms": percentile(status_times, 50) * 1000,
        "page_status_p99_ms": percentile(status_times, 99) * 1000,
    }


if __name__ == "__main__":
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
        print(asyncio.run(page_renders(Path(tmp), bootstrap=kafka, count=200)))
