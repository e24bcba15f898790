"""A payment settled while the payments service is killed with SIGKILL at varying moments
(before PayFiP's notification is handled, between PayFiP's answer and our write, after it):
once restarted, every invoice ends paid exactly once, with one PaymentSucceeded."""

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.kafka.topics import PAYMENTS, provision_topics
from shared.mongo import connect
from tests.conftest import KAFKA, MONGODB_URI
from tests.integration.payments_support import BILLING, fake_payfip, invoice_body
from tests.support import eventually, free_port, read_log

ROOT = Path(__file__).resolve().parents[2]
# Latest first: each start settles the earlier kills' payments (start-up recovery), so the
# last kill, at once, is the one left for the final restart to settle.
KILL_AFTER_S = (0.2, 0.1, 0.06, 0.03, 0.01, 0.0)


@contextmanager
def payments_process(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "services.payments"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def wait_ready(process: subprocess.Popen[bytes], http: httpx.AsyncClient, log: Path) -> None:
    async def ready() -> bool:
        assert process.poll() is None, log.read_text()[-3000:]
        try:
            return (await http.get("/readyz")).status_code == 200
        except httpx.TransportError:
            return False

    await eventually(ready, timeout=90, interval=0.1)


@pytest.mark.timeout(420)
async def test_every_invoice_ends_paid_once_across_sigkills(tmp_path: Path) -> None:
    log = tmp_path / "payments.log"
    prefix = f"paycrash{uuid.uuid4().hex[:8]}."
    database = f"test_payments_crash_{uuid.uuid4().hex[:8]}"
    await provision_topics(bootstrap_servers=KAFKA, prefix=prefix)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    invoices: list[dict[str, Any]] = []
    try:
        with fake_payfip() as payfip:
            env = os.environ | {
                "KAFKA_BOOTSTRAP_SERVERS": KAFKA,
                "MONGODB_URI": MONGODB_URI,
                "TOPIC_PREFIX": prefix,
                "MONGODB_DATABASE": database,
                "HTTP_PORT": str(port),
                "LOG_LEVEL": "WARNING",
                "PROVIDER": "payfip",
                "PAYFIP_URL": payfip,
                "PAYFIP_PAGE_URL": f"{payfip}/tpa/paiementws.web",
                "PAYFIP_NUMCLI": str(uuid.uuid4().int)[:6],
                "PUBLIC_URL": base_url,
                "RECOVERY_INTERVAL_S": "3600",  # only the start-up recovery settles
            }
            async with (
                httpx.AsyncClient(base_url=base_url, timeout=30) as http,
                httpx.AsyncClient(base_url=payfip, timeout=30) as fake,
            ):
                for delay in KILL_AFTER_S:
                    with payments_process(env, log) as process:
                        await wait_ready(process, http, log)
                        issued = await http.post(
                            "/v1/invoices", json=invoice_body(), headers=BILLING
                        )
                        assert issued.status_code == 201, issued.text
                        invoice = issued.json()
                        invoices.append(invoice)
                        url = f"/v1/citizen/invoices/{invoice['invoice_id']}/payments"
                        started = await http.post(url, params={"code": invoice["citizen_code"]})
                        assert started.status_code == 200, started.text
                        id_op = started.json()["redirect_url"].rsplit("idop=", 1)[1]
                        paying = asyncio.create_task(
                            fake.post(f"/test/pay/{id_op}", json={"result": "P"})
                        )
                        await asyncio.sleep(delay)
                        os.killpg(process.pid, signal.SIGKILL)
                        process.wait()
                        await asyncio.gather(paying, return_exceptions=True)
                # The earliest kills hit before our write: only the restart can settle them.
                store = connect(uri=MONGODB_URI)
                try:
                    unpaid = await store[database]["invoices"].count_documents({"status": "unpaid"})
                finally:
                    await store.close()
                assert unpaid >= 1
                with payments_process(env, log) as restarted:
                    await wait_ready(restarted, http, log)
                    for invoice in invoices:
                        seen = await http.get(
                            f"/v1/citizen/invoices/{invoice['invoice_id']}",
                            params={"code": invoice["citizen_code"]},
                        )
                        assert seen.json()["status_label"] == "payée", seen.text

                    async def announced() -> bool:
                        return len(await _succeeded(prefix)) >= len(invoices)

                    await eventually(announced, timeout=60, interval=0.5)
                    await asyncio.sleep(2)  # a duplicate would come now
                    succeeded = await _succeeded(prefix)
                    assert sorted(succeeded) == sorted(i["invoice_id"] for i in invoices)
    finally:
        client = connect(uri=MONGODB_URI)
        await client.drop_database(database)
        await client.close()


async def _succeeded(prefix: str) -> list[str]:
    records = await read_log(KAFKA, prefix + PAYMENTS)
    return [
        r.key.decode()
        for r in records
        if dict(r.headers)["ce_type"] == b"relais.payment.succeeded.v1"
    ]
