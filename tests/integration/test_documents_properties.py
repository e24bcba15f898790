"""Property test: whatever a client sends to the documents API, within or outside its OpenAPI
document, the answer is never a server error, and every refusal is a problem document."""

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import schemathesis
from hypothesis import strategies as st

from services.documents.app import build_app
from tests.factories import TOKEN, submitted
from tests.integration.documents_support import PDF, agent_auth, running_documents
from tests.properties import Prepare, explore_all

SCHEMA = schemathesis.openapi.from_dict(build_app().openapi()).include(path_regex="^/v1/")
KNOWN = submitted()


@dataclass
class Known:
    base_url: str
    citizen: dict[str, str]
    document_id: str


@pytest.fixture
async def known(topic_prefix: str) -> AsyncIterator[Known]:
    async with running_documents(topic_prefix) as running:
        await running.ctx.db["requests"].insert_one(
            {
                "_id": KNOWN.request_id,
                "reference": KNOWN.reference,
                "token_hash": KNOWN.tracking_token_hash,
                "department": "urbanisme",
                "department_label": "Urbanisme",
            }
        )
        citizen = await running.login()
        doc = (await running.upload(citizen, PDF, "plan.pdf")).json()
        share = {"reference": KNOWN.reference, "tracking_token": TOKEN}
        url = f"/v1/citizen/documents/{doc['document_id']}/shares"
        assert (await running.http.post(url, json=share, headers=citizen)).status_code == 201
        yield Known(str(running.http.base_url), citizen, doc["document_id"])


def steer(known: Known) -> Prepare:
    def prepare(case: schemathesis.Case, data: st.DataObject) -> None:
        """Reach past authentication and lookups often, not only the first checks."""
        if data.draw(st.booleans()):
            auth = known.citizen if "/citizen/" in case.path else agent_auth("urbanisme")
            case.headers = {**(case.headers or {}), **auth}
        params = case.path_parameters
        if isinstance(params, dict) and data.draw(st.booleans()):
            if "document_id" in params:
                params["document_id"] = known.document_id
            if "request_id" in params:
                params["request_id"] = KNOWN.request_id
        if isinstance(case.body, dict) and "reference" in case.body and data.draw(st.booleans()):
            case.body["reference"] = KNOWN.reference

    return prepare


@pytest.mark.timeout(300)
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
async def test_no_request_makes_documents_fail(known: Known) -> None:
    await explore_all(SCHEMA, count=13, base_url=known.base_url, examples=30, prepare=steer(known))
