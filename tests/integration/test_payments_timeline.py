"""An invoice linked to a request shows on the request's timeline in tracking: the payments
and tracking services on one real broker, paid through the development provider."""

import uuid

import httpx

from services.payments.app import build_app
from services.payments.settings import PaymentsSettings
from tests.conftest import KAFKA, MONGODB_URI
from tests.integration.payments_support import BILLING, drop, invoice_body
from tests.integration.tracking_support import tracking_service
from tests.oidc import oidc_provider
from tests.support import eventually, free_port, serve_app


def _settings(prefix: str, database: str, port: int) -> PaymentsSettings:
    return PaymentsSettings(
        kafka_bootstrap_servers=KAFKA,
        topic_prefix=prefix,
        mongodb_uri=MONGODB_URI,
        mongodb_database=database,
        public_url=f"http://127.0.0.1:{port}",
    )


async def test_issued_and_paid_invoice_on_the_request_timeline(topic_prefix: str) -> None:
    database, port = f"test_payments_{uuid.uuid4().hex[:8]}", free_port()
    try:
        with oidc_provider() as provider:
            async with (
                tracking_service(provider, topic_prefix) as tracking,
                serve_app(build_app(_settings(topic_prefix, database, port)), port=port) as base,
                httpx.AsyncClient(base_url=base, timeout=30) as http,
            ):
                request = await tracking.routed("enfance")
                item = {"label": "Crèche", "quantity": 1, "unit_amount_cents": 4250}
                body = invoice_body(
                    request_reference=request.reference, items=[item], amount_cents=4250
                )
                answers: list[httpx.Response] = []

                async def issued() -> bool:  # payments learns the reference from the log
                    answers.append(await http.post("/v1/invoices", json=body, headers=BILLING))
                    return answers[-1].status_code == 201

                await eventually(issued, timeout=30)
                invoice = answers[-1].json()
                record = await tracking.record(
                    request.request_id,
                    lambda r: any(e["kind"] == "invoice_issued" for e in r["timeline"]),
                )
                entry = next(e for e in record["timeline"] if e["kind"] == "invoice_issued")
                assert entry["label"].startswith("Facture émise : 42,50\u00a0€, à payer avant le")
                url = f"/v1/citizen/invoices/{invoice['invoice_id']}"
                code = {"code": invoice["citizen_code"]}
                started = (await http.post(url + "/payments", params=code)).json()
                page = started["redirect_url"].removeprefix(base)
                paid_page = await http.post(page, params={"result": "paid"})
                assert paid_page.status_code == 303
                record = await tracking.record(
                    request.request_id,
                    lambda r: any(e["kind"] == "invoice_paid" for e in r["timeline"]),
                )
                kinds = [e["kind"] for e in record["timeline"]]
                assert kinds.count("invoice_issued") == kinds.count("invoice_paid") == 1
                paid = next(e for e in record["timeline"] if e["kind"] == "invoice_paid")
                assert paid["label"] == "Facture payée en ligne : 42,50\u00a0€"
    finally:
        await drop(database)
