"""`make bench`: pipeline figures and raw baselines, measured in the same run on this machine."""

import asyncio
import json
import os
import tempfile
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

from shared.mongo import connect
from tests.bench.adapters import ADAPTERS, ENV, adapter_rates
from tests.bench.appointments import appointment_rates
from tests.bench.documents import documents_figures
from tests.bench.notifications import notification_rates
from tests.bench.pipeline import accept_burst, drain_time, latencies, percentile
from tests.bench.raw import kafka_produce_consume, store_inserts
from tests.bench.routing import measure as routing_figures
from tests.bench.screens import page_renders
from tests.bench.store import store_update_ms, tracking_event_ms
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


async def measure() -> dict[str, float]:
    figures: dict[str, float] = routing_figures(seconds=5 * SCALE)
    figures |= {
        f"raw_kafka_{k}": v
        for k, v in (await kafka_produce_consume(KAFKA, count=int(20000 * SCALE))).items()
    }
    figures |= {
        f"raw_store_{k}": v
        for k, v in (await store_inserts(MONGODB_URI, count=int(2000 * SCALE))).items()
    }
    figures |= await store_figures()
    with tempfile.TemporaryDirectory(prefix="relais-bench-") as workdir:
        pipeline = await start_pipeline(Path(workdir), bootstrap=KAFKA)
        try:
            portal = f"{pipeline.url('portal')}/v1/requests"
            limits = httpx.Limits(max_connections=64)
            store = connect(uri=MONGODB_URI)
            requests = store[f"{pipeline.prefix.replace('.', '_')}relais_tracking"]["requests"]
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
            await store.close()
        finally:
            stop_services(pipeline.handles)
            await drop_databases(pipeline)
        adapters = await start_pipeline(
            Path(workdir) / "adapters", bootstrap=KAFKA, names=ADAPTERS, extra_env=ENV
        )
        try:
            figures |= await adapter_rates(adapters, count=int(300 * SCALE))
        finally:
            stop_services(adapters.handles)
            await drop_databases(adapters)
        figures |= await page_renders(
            Path(workdir) / "screens", bootstrap=KAFKA, count=max(int(200 * SCALE), 20)
        )
        figures |= await appointment_rates(
            Path(workdir) / "appointments", bootstrap=KAFKA, scale=SCALE
        )
    figures |= await workspace_figures(kafka=KAFKA, mongodb_uri=MONGODB_URI, scale=SCALE)
    figures |= await documents_figures(kafka=KAFKA, mongodb_uri=MONGODB_URI, scale=SCALE)
    # phase "notifications": per channel, through the notifier into its dev sink (email: SMTP too)
    figures |= await notification_rates(kafka=KAFKA, mongodb_uri=MONGODB_URI, scale=SCALE)
    figures["ratio_portal_to_raw_produce"] = (
        figures["portal_accepts_per_s"] / figures["raw_kafka_produce_per_s"]
    )
    figures["ratio_e2e_to_raw_produce_consume"] = (
        figures["e2e_requests_per_s"] / figures["raw_kafka_produce_consume_per_s"]
    )
    figures["ratio_e2e_to_raw_insert_one"] = (
        figures["e2e_requests_per_s"] / figures["raw_store_insert_one_per_s"]
    )
    large = f"{LARGE // 1000}k"
    for name in ("tracking_event", "store_update"):
        figures[f"ratio_{name}_{large}_to_1k"] = (
            figures[f"{name}_ms_at_{large}"] / figures[f"{name}_ms_at_1k"]
        )
    return figures


async def store_figures() -> dict[str, float]:
    """One operation's cost with a small and a large history (stores filled in bulk first)."""
    figures: dict[str, float] = {}
    for size in (SMALL, LARGE):
        label = f"{size // 1000}k"
        figures[f"store_update_ms_at_{label}"] = await store_update_ms(MONGODB_URI, size=size)
        tracking = await tracking_event_ms(MONGODB_URI, size=size)
        figures[f"tracking_event_ms_at_{label}"] = tracking["one"]
        figures[f"tracking_batched_event_ms_at_{label}"] = tracking["batched"]
    return figures


def report(figures: dict[str, float]) -> None:
    table = Table(title="Relais bench (this machine, one run)")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, value in figures.items():
        table.add_row(name, f"{value:.3f}" if name.startswith("ratio") else f"{value:,.1f}")
    Console(width=100).print(table)
    out = Path("var/bench/latest.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    report(asyncio.run(measure()))
