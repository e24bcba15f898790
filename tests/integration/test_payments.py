"""Invoices paid through PayFiP exactly once, against a fake PayFiP server process and the
real broker and store: happy path, refusal, abandonment, replays, a crash after PayFiP's
success, two concurrent payments, reconciliation."""

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from services.payments import reconcile
from services.payments.app import build_app
from services.payments.checkout import paris_day
from services.payments.invoices import INVOICES, PAYMENT_ATTEMPTS
from services.payments.payfip import PayFiP
from services.payments.providers import Outcome, State
from services.payments.settings import PaymentsSettings
from shared.auth import DEV_SECRET, Agent, issue_token
from shared.envelope import Envelope, decode
from shared.kafka.producer import EventPublisher
from shared.kafka.topics import PAYMENTS, REQUESTS
from tests.conftest import KAFKA, MONGODB_URI
from tests.factories import submitted
from tests.integration.payments_support import (
    BILLING,
    Running,
    drop,
    fake_payfip,
    invoice_body,
    running_payments,
)
from tests.support import eventually, free_port, read_log, serve_app


@pytest.fixture(scope="module")
def payfip() -> Iterator[str]:
    with fake_payfip() as url:
        yield url


@pytest.fixture
async def running(topic_prefix: str, payfip: str) -> AsyncIterator[Running]:
    async with running_payments(topic_prefix, payfip) as run:
        yield run


async def _types(running: Running, invoice_id: str) -> list[str]:
    records = await read_log(KAFKA, running.prefix + PAYMENTS)
    return [dict(r.headers)["ce_type"].decode() for r in records if r.key == invoice_id.encode()]


async def test_issuing_is_checked_and_idempotent(running: Running) -> None:
    body = invoice_body()
    assert (await running.http.post("/v1/invoices", json=body)).status_code == 401
    wrong = body | {"amount_cents": body["amount_cents"] + 1}
    refused = await running.http.post("/v1/invoices", json=wrong, headers=BILLING)
    assert refused.status_code == 422 and "ne correspond pas" in refused.text
    first = await running.http.post("/v1/invoices", json=body, headers=BILLING)
    again = await running.http.post("/v1/invoices", json=body, headers=BILLING)
    assert first.json()["invoice_id"] == again.json()["invoice_id"]
    assert again.json()["citizen_code"] is None
    other = body | {"label": "Autre chose"}
    assert (await running.http.post("/v1/invoices", json=other, headers=BILLING)).status_code == 409
    late = await running.issue(due_date=(date.today() - timedelta(days=3)).isoformat())
    assert (await running.view(late))["status_label"] == "en retard"


async def test_agents_list_due_and_overdue_invoices_apart(running: Running) -> None:
    due = await running.issue()
    late = await running.issue(due_date=(date.today() - timedelta(days=1)).isoformat())
    agent = Agent(agent_id="a1", name="Agent", department="finances", roles=["agent"])
    auth = {"authorization": f"Bearer {issue_token(agent=agent, secret=DEV_SECRET)}"}

    async def listed(status: str) -> list[str]:
        page = await running.http.get("/v1/invoices", params={"status": status}, headers=auth)
        assert page.status_code == 200, page.text
        assert page.json()["total"] == len(page.json()["items"])
        return [i["invoice_id"] for i in page.json()["items"]]

    assert await listed("due") == [due["invoice_id"]]
    assert await listed("overdue") == [late["invoice_id"]]
    assert await listed("unpaid") == [late["invoice_id"], due["invoice_id"]]
    assert await listed("paid") == []


async def test_happy_path_confirms_with_payfip_and_gives_a_receipt(running: Running) -> None:
    invoice = await running.issue()
    assert (await running.view(invoice))["status_label"] == "à payer"
    started = await running.pay(invoice)
    assert started.status_code == 200, started.text
    back = await running.citizen_on_payfip(started.json()["redirect_url"], "P")
    landing = await running.browser_returns(back)
    assert landing.status_code == 303
    assert invoice["invoice_id"] in landing.headers["location"]
    seen = await running.view(invoice)
    assert seen["status_label"] == "payée"
    assert seen["receipt"]["amount_cents"] == invoice["amount_cents"]
    assert (await running.pay(invoice)).status_code == 409
    await eventually(lambda: _has(running, invoice, "relais.payment.succeeded.v1"))
    assert await _types(running, invoice["invoice_id"]) == [
        "relais.invoice.issued.v1",
        "relais.payment.started.v1",
        "relais.payment.succeeded.v1",
    ]


async def _has(running: Running, invoice: dict[str, object], kind: str) -> bool:
    return kind in await _types(running, str(invoice["invoice_id"]))


async def test_refusal_then_abandonment_leave_it_to_pay(running: Running) -> None:
    invoice = await running.issue()
    first = (await running.pay(invoice)).json()
    await running.browser_returns(await running.citizen_on_payfip(first["redirect_url"], "R"))
    assert (await running.view(invoice))["status_label"] == "à payer"
    second = (await running.pay(invoice)).json()
    assert second["payment_id"] != first["payment_id"]
    back = await running.citizen_on_payfip(second["redirect_url"], "A", notify=False)
    await running.browser_returns(back)
    states = await running.ctx.db[PAYMENT_ATTEMPTS].find({}, {"state": 1}).to_list()
    assert sorted(s["state"] for s in states) == ["abandoned", "refused"]
    assert (await running.view(invoice))["receipt"] is None
    await eventually(lambda: _has(running, invoice, "relais.payment.failed.v1"))
    assert (await _types(running, invoice["invoice_id"])).count("relais.payment.failed.v1") == 2


async def test_the_browser_return_alone_proves_nothing(running: Running) -> None:
    invoice = await running.issue()
    started = (await running.pay(invoice)).json()
    id_op = started["redirect_url"].rsplit("idop=", 1)[1]
    forged = await running.http.get("/v1/payments/return", params={"idOp": id_op})
    assert forged.status_code == 303  # PayFiP says nothing happened yet
    assert (await running.view(invoice))["status_label"] == "à payer"


async def test_replayed_notifications_pay_once(running: Running) -> None:
    invoice = await running.issue()
    started = (await running.pay(invoice)).json()
    back = await running.citizen_on_payfip(started["redirect_url"], "P")
    id_op = started["redirect_url"].rsplit("idop=", 1)[1]
    replays = [
        running.http.post("/v1/payfip/notifications", data={"idOp": id_op}) for _ in range(4)
    ]
    answers = await asyncio.gather(*replays, running.browser_returns(back))
    assert all(a.status_code in (204, 303) for a in answers)
    await eventually(lambda: _has(running, invoice, "relais.payment.succeeded.v1"))
    types = await _types(running, invoice["invoice_id"])
    assert types.count("relais.payment.succeeded.v1") == 1


class CrashAfterAnswer(PayFiP):
    """PayFiP's answer arrives, then the process dies before writing anything."""

    async def outcome(self, operation_id: str) -> Outcome:
        answer = await super().outcome(operation_id)
        if answer.state == State.PAID:
            raise RuntimeError("process killed between PayFiP's answer and our write")
        return answer


async def test_a_crash_after_payfips_success_ends_paid_once(topic_prefix: str, payfip: str) -> None:
    database = f"test_payments_{uuid.uuid4().hex[:8]}"
    crashing = CrashAfterAnswer(
        url=payfip, page_url=f"{payfip}/tpa/paiementws.web", numcli="654321", saisie="T"
    )
    try:
        async with running_payments(
            topic_prefix, payfip, database=database, provider=crashing, numcli="654321"
        ) as first:
            invoice = await first.issue()
            started = (await first.pay(invoice)).json()
            await first.citizen_on_payfip(started["redirect_url"], "P")
            assert (await first.view(invoice))["status_label"] == "à payer"
        async with running_payments(
            topic_prefix, payfip, database=database, numcli="654321"
        ) as restarted:
            # The restart's recovery asked PayFiP about the open attempt.
            assert (await restarted.view(invoice))["status_label"] == "payée"
            await eventually(lambda: _has(restarted, invoice, "relais.payment.succeeded.v1"))
            types = await _types(restarted, invoice["invoice_id"])
            assert types.count("relais.payment.succeeded.v1") == 1
    finally:
        await drop(database)


async def test_two_concurrent_payments_share_one_operation(running: Running) -> None:
    invoice = await running.issue()
    answers = await asyncio.gather(*(running.pay(invoice) for _ in range(5)))
    assert {a.status_code for a in answers} == {200}
    assert len({a.json()["redirect_url"] for a in answers}) == 1
    assert await running.ctx.db[PAYMENT_ATTEMPTS].count_documents({}) == 1
    back = await running.citizen_on_payfip(answers[0].json()["redirect_url"], "P")
    await asyncio.gather(running.browser_returns(back), running.browser_returns(back))
    paid = await running.ctx.db[INVOICES].find_one({"_id": invoice["invoice_id"]})
    assert paid is not None and paid["status"] == "paid"


async def test_reconciliation_finds_planted_mismatches(running: Running) -> None:
    invoice = await running.issue()
    started = (await running.pay(invoice)).json()
    await running.browser_returns(await running.citizen_on_payfip(started["redirect_url"], "P"))
    attempt = await running.ctx.db[PAYMENT_ATTEMPTS].find_one({"_id": started["payment_id"]})
    assert attempt is not None
    day = date.fromisoformat(attempt["paid_on"])
    assert (await reconcile.reconcile(running.ctx, day=day)).clean
    planted = await running.payfip.post(
        "/test/plant",
        json={
            "numcli": running.ctx.settings.payfip_numcli,
            "exer": "2026",
            "refdet": "X-1",
            "montant": 990,
        },
    )
    await running.ctx.db[PAYMENT_ATTEMPTS].insert_one(
        {
            "_id": "ghost",
            "invoice_id": "none",
            "operation_id": "ghost-op",
            "state": "paid",
            "provider": "payfip",
            "amount_cents": 500,
            "paid_on": paris_day(attempt["created_at"]),
        }
    )
    report = await reconcile.reconcile(running.ctx, day=day)
    assert [p["operation_id"] for p in report.provider_only] == [planted.json()["idOp"]]
    assert [p["operation_id"] for p in report.ours_only] == ["ghost-op"]


async def test_an_invoice_for_a_request_is_on_its_timeline(
    running: Running, publisher: EventPublisher
) -> None:
    request = submitted()
    await publisher.publish(Envelope(data=request, source="/tests"))

    async def known() -> bool:
        return await running.ctx.db["requests"].find_one({"_id": request.reference}) is not None

    await eventually(known)
    invoice = await running.issue(request_reference=request.reference)
    started = (await running.pay(invoice)).json()
    await running.browser_returns(await running.citizen_on_payfip(started["redirect_url"], "P"))

    async def on_timeline() -> bool:
        events = [decode(r) for r in await read_log(KAFKA, running.prefix + REQUESTS)]
        kinds = [e.type for e in events if e.key == request.request_id]
        wanted = ["relais.request.invoice_issued.v1", "relais.request.invoice_paid.v1"]
        return [k for k in kinds if k in wanted] == wanted

    await eventually(on_timeline, timeout=60, interval=0.5)


async def test_the_development_provider_pays_for_make_run(topic_prefix: str) -> None:
    database, port = f"test_payments_{uuid.uuid4().hex[:8]}", free_port()
    settings = PaymentsSettings(
        kafka_bootstrap_servers=KAFKA,
        topic_prefix=topic_prefix,
        mongodb_uri=MONGODB_URI,
        mongodb_database=database,
        public_url=f"http://127.0.0.1:{port}",
    )
    try:
        async with (
            serve_app(build_app(settings), port=port) as base,
            httpx.AsyncClient(base_url=base, timeout=30) as http,
        ):
            invoice = (await http.post("/v1/invoices", json=invoice_body(), headers=BILLING)).json()
            url = f"/v1/citizen/invoices/{invoice['invoice_id']}"
            code = {"code": invoice["citizen_code"]}
            started = (await http.post(url + "/payments", params=code)).json()
            page = started["redirect_url"].removeprefix(base)
            assert (await http.get(page)).status_code == 200
            refused = await http.post(page, params={"result": "refused"})
            assert refused.status_code == 303
            assert (await http.get(url, params=code)).json()["status_label"] == "à payer"
            again = (await http.post(url + "/payments", params=code)).json()
            paid = await http.post(
                again["redirect_url"].removeprefix(base), params={"result": "paid"}
            )
            assert paid.status_code == 303
            assert (await http.get(url, params=code)).json()["status_label"] == "payée"
    finally:
        await drop(database)


async def test_the_reconciliation_command_exits_1_on_a_planted_payment(running: Running) -> None:
    settings = running.ctx.settings
    planted = await running.payfip.post(
        "/test/plant",
        json={"numcli": settings.payfip_numcli, "exer": "2026", "refdet": "X-2", "montant": 4200},
    )
    env = os.environ | {
        "KAFKA_BOOTSTRAP_SERVERS": KAFKA,
        "MONGODB_URI": MONGODB_URI,
        "MONGODB_DATABASE": settings.mongodb_database,
        "PROVIDER": "payfip",
        "PAYFIP_URL": settings.payfip_url,
        "PAYFIP_PAGE_URL": settings.payfip_page_url,
        "PAYFIP_NUMCLI": settings.payfip_numcli,
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "services.payments.reconcile", "--day", paris_day_today()]
    done = await asyncio.to_thread(
        subprocess.run, command, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout[done.stdout.index("{") :])
    assert [p["operation_id"] for p in report["provider_only"]] == [planted.json()["idOp"]]
    assert report["ours_only"] == [] and report["amount_differs"] == []


def paris_day_today() -> str:
    return paris_day(datetime.now(UTC))
