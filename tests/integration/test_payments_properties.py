"""Property test: whatever a client sends to the payments API, within or outside its OpenAPI
document, the answer is never a server error, and every refusal is a problem document."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
import schemathesis
from hypothesis import strategies as st

from services.payments.app import build_app
from services.payments.settings import PaymentsSettings
from shared.mongo import connect
from tests.conftest import KAFKA, MONGODB_URI
from tests.integration.documents_support import agent_auth
from tests.integration.payments_support import BILLING, invoice_body
from tests.properties import Prepare, explore_all
from tests.support import free_port, serve_app

SCHEMA = schemathesis.openapi.from_dict(build_app().openapi()).include(path_regex="^/v1/")


@dataclass
class Known:
    base_url: str
    invoice_id: str
    code: str


@pytest.fixture
async def known(topic_prefix: str) -> AsyncIterator[Known]:
    database = f"test_payments_{uuid.uuid4().hex[:8]}"
    port = free_port()
    settings = PaymentsSettings(
        kafka_bootstrap_servers=KAFKA,
        topic_prefix=topic_prefix,
        mongodb_uri=MONGODB_URI,
        mongodb_database=database,
        public_url=f"http://127.0.0.1:{port}",
    )
    try:
        async with serve_app(build_app(settings), port=port) as base:
            async with httpx.AsyncClient(base_url=base) as http:
                issued = await http.post("/v1/invoices", json=invoice_body(), headers=BILLING)
            invoice = issued.json()
            yield Known(base, invoice["invoice_id"], invoice["citizen_code"])
    finally:
        client = connect(uri=MONGODB_URI)
        await client.drop_database(database)
        await client.close()


def steer(known: Known) -> Prepare:
    def prepare(case: schemathesis.Case, data: st.DataObject) -> None:
        """Reach past authentication and lookups often, not only the first checks."""
        if data.draw(st.booleans()):
            auth = agent_auth("finances", data.draw(st.sampled_from(["agent", "admin"])))
            case.headers = {**(case.headers or {}), **auth, **BILLING}
        params = case.path_parameters
        if isinstance(params, dict) and "invoice_id" in params and data.draw(st.booleans()):
            params["invoice_id"] = known.invoice_id
            if isinstance(case.query, dict) and "code" in case.query:
                case.query["code"] = known.code
        if isinstance(case.body, dict) and "items" in case.body and data.draw(st.booleans()):
            case.body.update(invoice_body())

    return prepare


@pytest.mark.timeout(300)
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
async def test_no_request_makes_payments_fail(known: Known) -> None:
    await explore_all(SCHEMA, count=10, base_url=known.base_url, examples=30, prepare=steer(known))
