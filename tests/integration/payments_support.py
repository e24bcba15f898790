"""The payments service over real HTTP against a fake PayFiP server run as its own process."""

import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx

from services.payments.app import build_app
from services.payments.context import Payments
from services.payments.providers import Provider
from services.payments.settings import DEV_BILLING_KEY, PaymentsSettings
from shared.mongo import connect
from tests.conftest import KAFKA, MONGODB_URI
from tests.support import free_port, serve_app

BILLING = {"X-Api-Key": DEV_BILLING_KEY}


def invoice_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "issuer": "regie-cantine",
        "reference": f"CANT-{uuid.uuid4().hex[:10].upper()}",
        "label": "Cantine scolaire novembre 2026",
        "contact": {"name": "Camille Martin", "email": "camille@example.org"},
        "items": [
            {"label": "Repas", "quantity": 12, "unit_amount_cents": 345},
            {"label": "Garderie", "quantity": 1, "unit_amount_cents": 1560},
        ],
        "amount_cents": 12 * 345 + 1560,
        "due_date": (date.today() + timedelta(days=30)).isoformat(),
    }
    return body | overrides


@contextmanager
def fake_payfip() -> Iterator[str]:
    """`python -m tests.payfip_fake` on a free port; its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.payfip_fake", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(f"{url}/docs", timeout=1)
                break
            except httpx.HTTPError:
                if process.poll() is not None:
                    raise RuntimeError("the fake PayFiP server exited") from None
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass
class Running:
    http: httpx.AsyncClient
    ctx: Payments
    payfip: httpx.AsyncClient
    prefix: str

    async def issue(self, **overrides: Any) -> dict[str, Any]:
        answer = await self.http.post(
            "/v1/invoices", json=invoice_body(**overrides), headers=BILLING
        )
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    async def view(self, invoice: dict[str, Any]) -> dict[str, Any]:
        url = f"/v1/citizen/invoices/{invoice['invoice_id']}"
        answer = await self.http.get(url, params={"code": invoice["citizen_code"]})
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    async def pay(self, invoice: dict[str, Any]) -> httpx.Response:
        url = f"/v1/citizen/invoices/{invoice['invoice_id']}/payments"
        return await self.http.post(url, params={"code": invoice["citizen_code"]})

    async def citizen_on_payfip(self, redirect_url: str, result: str, notify: bool = True) -> str:
        """What the citizen does on PayFiP's page; the URL the browser is sent back to."""
        id_op = redirect_url.rsplit("idop=", 1)[1]
        answer = await self.payfip.post(
            f"/test/pay/{id_op}", json={"result": result, "notify": notify}
        )
        assert answer.status_code == 200, answer.text
        return str(answer.json()["redirect"])

    async def browser_returns(self, url: str) -> httpx.Response:
        return await self.http.get(url.removeprefix(str(self.http.base_url)))


def settings_for(
    prefix: str, database: str, port: int, payfip: str, numcli: str
) -> PaymentsSettings:
    return PaymentsSettings(
        kafka_bootstrap_servers=KAFKA,
        topic_prefix=prefix,
        mongodb_uri=MONGODB_URI,
        mongodb_database=database,
        provider="payfip",
        payfip_url=payfip,
        payfip_page_url=f"{payfip}/tpa/paiementws.web",
        payfip_numcli=numcli,
        public_url=f"http://127.0.0.1:{port}",
    )


@asynccontextmanager
async def running_payments(
    prefix: str,
    payfip: str,
    *,
    database: str | None = None,
    provider: Provider | None = None,
    numcli: str | None = None,
) -> AsyncIterator[Running]:
    """The service; each gets its own PayFiP client number unless told (the fake is shared)."""
    name = database or f"test_payments_{uuid.uuid4().hex[:8]}"
    port = free_port()
    numcli = numcli or str(uuid.uuid4().int)[:6]
    app = build_app(settings_for(prefix, name, port, payfip, numcli), provider=provider)
    async with (
        serve_app(app, port=port) as base,
        httpx.AsyncClient(base_url=base, timeout=60) as http,
        httpx.AsyncClient(base_url=payfip, timeout=60) as fake,
    ):
        yield Running(http=http, ctx=app.state.payments, payfip=fake, prefix=prefix)
    if database is None:
        await drop(name)


async def drop(name: str) -> None:
    client = connect(uri=MONGODB_URI)
    await client.drop_database(name)
    await client.close()
