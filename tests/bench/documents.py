"""Bench figures of the documents and payments services: upload throughput of a 5 MiB file
with the virus scan on (development scanner, and clamd when installed), invoices listed/s."""

import os
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from services.payments.app import build_app as build_payments
from services.payments.settings import PaymentsSettings
from shared.mongo import connect
from tests.clamav import CLAMD, SIGTOOL, running_clamd, signature_db
from tests.integration.documents_support import agent_auth, running_documents
from tests.integration.payments_support import BILLING, invoice_body
from tests.support import free_port, fresh_topics, serve_app

MIB = 1024 * 1024
FILE = b"%PDF-1.7\n" + os.urandom(5 * MIB - 9)


async def _upload_rate(prefix: str, count: int, **settings: object) -> float:
    async with running_documents(prefix, max_upload_bytes=8 * MIB, **settings) as running:
        auth = await running.login()
        await running.upload(auth, FILE, "warm-up.pdf")
        started = time.perf_counter()
        for index in range(count):
            answer = await running.upload(auth, FILE, f"plan-{index}.pdf")
            assert answer.status_code == 201, answer.text
        return count * len(FILE) / MIB / (time.perf_counter() - started)


async def _listing_rate(prefix: str, mongodb_uri: str, invoices: int, pages: int) -> float:
    database, port = f"bench_payments_{uuid.uuid4().hex[:8]}", free_port()
    settings = PaymentsSettings(
        kafka_bootstrap_servers=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
        topic_prefix=prefix,
        mongodb_uri=mongodb_uri,
        mongodb_database=database,
        public_url=f"http://127.0.0.1:{port}",
    )
    try:
        async with (
            serve_app(build_payments(settings), port=port) as base,
            httpx.AsyncClient(base_url=base, timeout=60) as http,
        ):
            for _ in range(invoices):
                await http.post("/v1/invoices", json=invoice_body(), headers=BILLING)
            auth = agent_auth("finances")
            started = time.perf_counter()
            for page in range(pages):
                offset = (page * 50) % max(invoices - 50, 1)
                answer = await http.get(
                    "/v1/invoices", params={"limit": 50, "offset": offset}, headers=auth
                )
                assert len(answer.json()["items"]) == 50
            return pages * 50 / (time.perf_counter() - started)
    finally:
        client = connect(uri=mongodb_uri)
        await client.drop_database(database)
        await client.close()


async def documents_figures(*, kafka: str, mongodb_uri: str, scale: float) -> dict[str, float]:
    count = max(2, int(10 * scale))
    figures: dict[str, float] = {}
    async with fresh_topics(kafka, head="bench") as prefix:
        figures["documents_upload_5mib_mib_per_s_dev_scanner"] = await _upload_rate(prefix, count)
        if CLAMD and SIGTOOL:
            with tempfile.TemporaryDirectory(prefix="relais-clamd-") as workdir:
                folder = Path(workdir)
                async with running_clamd(signature_db(folder), folder) as socket:
                    figures["documents_upload_5mib_mib_per_s_clamd"] = await _upload_rate(
                        prefix, count, scanner="clamd", clamd_socket=str(socket)
                    )
        figures["payments_invoices_listed_per_s"] = await _listing_rate(
            prefix, mongodb_uri, invoices=max(60, int(500 * scale)), pages=max(5, int(100 * scale))
        )
    return figures
