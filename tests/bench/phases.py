"""The bench's phases, in the order a full run measures them; each returns its figures."""

import os
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from shared.mongo import connect
from tests.bench.adapters import ADAPTERS, ENV, adapter_rates
from tests.bench.appointments import appointment_rates
from tests.bench.documents import documents_figures
from tests.bench.notifications import notification_rates
from tests.bench.pipeline import accept_burst, drain_time, latencies, percentile
from tests.bench.raw import kafka_produce_consume, store_inserts
from tests.bench.routing import measure as routing_figures
from tests.bench.screens import page_renders
from tests.bench.store import store_figures
from tests.bench.workspace import measure as workspace_figures
from tests.e2e.conftest import drop_databases, start_pipeline
from tools.devstack import stop_services

KAFKA = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
MONGODB_URI = os.environ.get("MONGODB_URI", "mongodb://127.0.0.1:27017/")
SCALE = float(os.environ.get("BENCH_SCALE", "1"))
# Offered load for the latency figure (open loop): the rate a busy town hall's peak could see.
LATENCY_RATE = float(os.environ.get("BENCH_LATENCY_RATE", "20"))
# Store sizes for the per-operation figures: a few weeks of requests, and years of them.
SMALL, LARGE = 1_000, int(os.environ.get("BENCH_LARGE_STORE", "100000"))

Figures = dict[str, float]


async def routing() -> Figures:
    return routing_figures(seconds=5 * SCALE)


async def raw() -> Figures:
    kafka = await kafka_produce_consume(KAFKA, count=int(20000 * SCALE))
    store = await store_inserts(MONGODB_URI, count=int(2000 * SCALE))
    return {f"raw_kafka_{k}": v for k, v in kafka.items()} | {
        f"raw_store_{k}": v for k, v in store.items()
    }


async def store() -> Figures:
    return await store_figures(sizes=(SMALL, LARGE))


async def pipeline() -> Figures:
    """Portal accepts/s (32 clients), end-to-end drain, then open-loop latency."""
    figures: Figures = {}
    with tempfile.TemporaryDirectory(prefix="relais-bench-") as workdir:
        running = await start_pipeline(Path(workdir) / "pipeline", bootstrap=KAFKA)
        store = connect(uri=MONGODB_URI)
        try:
            portal = f"{running.url('portal')}/v1/requests"
            requests = store[f"{running.prefix.replace('.', '_')}relais_tracking"]["requests"]
            limits = httpx.Limits(max_connections=64)
            async with httpx.AsyncClient(timeout=60, limits=limits) as client:
                await accept_burst(client, portal, count=20, concurrency=4)  # warm-up
                rate, accepted = await accept_burst(
                    client, portal, count=int(1000 * SCALE), concurrency=32
                )
                figures["portal_accepts_per_s"] = rate
                seconds = await drain_time(requests, accepted)
                figures["e2e_requests_per_s"] = len(accepted) / seconds
                lat = await latencies(
                    client, portal, requests, rate=LATENCY_RATE, duration_s=20 * SCALE
                )
            figures["e2e_latency_offered_per_s"] = LATENCY_RATE
            figures["e2e_latency_p50_ms"] = percentile(lat, 50) * 1000
            figures["e2e_latency_p99_ms"] = percentile(lat, 99) * 1000
        finally:
            await store.close()
            stop_services(running.handles)
            await drop_databases(running)
    return figures


async def adapters() -> Figures:
    with tempfile.TemporaryDirectory(prefix="relais-bench-") as workdir:
        running = await start_pipeline(
            Path(workdir) / "adapters", bootstrap=KAFKA, names=ADAPTERS, extra_env=ENV
        )
        try:
            return await adapter_rates(running, count=int(300 * SCALE))
        finally:
            stop_services(running.handles)
            await drop_databases(running)


async def screens() -> Figures:
    with tempfile.TemporaryDirectory(prefix="relais-bench-") as workdir:
        count = max(int(200 * SCALE), 20)
        return await page_renders(Path(workdir) / "screens", bootstrap=KAFKA, count=count)


async def appointments() -> Figures:
    with tempfile.TemporaryDirectory(prefix="relais-bench-") as workdir:
        return await appointment_rates(Path(workdir) / "appointments", bootstrap=KAFKA, scale=SCALE)


async def workspace() -> Figures:
    return await workspace_figures(kafka=KAFKA, mongodb_uri=MONGODB_URI, scale=SCALE)


async def documents() -> Figures:
    return await documents_figures(kafka=KAFKA, mongodb_uri=MONGODB_URI, scale=SCALE)


async def notifications() -> Figures:
    """Per channel, through the notifier into its development sink (email: over SMTP too)."""
    return await notification_rates(kafka=KAFKA, mongodb_uri=MONGODB_URI, scale=SCALE)


PHASES: dict[str, Callable[[], Awaitable[Figures]]] = {
    "routing": routing,
    "raw": raw,
    "store": store,
    "pipeline": pipeline,
    "adapters": adapters,
    "screens": screens,
    "appointments": appointments,
    "workspace": workspace,
    "documents": documents,
    "notifications": notifications,
}


def settings() -> dict[str, float]:
    """What a phase's figures depend on, recorded beside them."""
    return {"scale": SCALE, "latency_rate": LATENCY_RATE, "large_store": LARGE}
