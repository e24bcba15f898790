"""Property test: whatever a client sends to the email adapter's HTTP API (quarantine), within
or outside its OpenAPI document, the answer is never a server error."""

from collections.abc import AsyncIterator

import pytest
import schemathesis
from hypothesis import strategies as st

from services.email_adapter.app import build_app
from tests.integration.test_email_support import (
    CORPUS,
    RunningAdapter,
    agent_headers,
    email_settings,
    running_adapter,
)
from tests.properties import explore_all

SCHEMA = schemathesis.openapi.from_dict(build_app().openapi()).include(path_regex="^/v1/")
AUTH = agent_headers()["authorization"]


@pytest.fixture
async def adapter(topic_prefix: str) -> AsyncIterator[RunningAdapter]:
    async with running_adapter(email_settings(topic_prefix)) as running:
        await running.send((CORPUS / "malformed-no-headers.eml").read_bytes(), mail_from="<>")
        yield running


@pytest.mark.timeout(240)
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
async def test_no_request_makes_the_quarantine_api_fail(adapter: RunningAdapter) -> None:
    quarantined = [doc["_id"] async for doc in adapter.db["quarantine"].find({}, {"_id": 1})]
    assert quarantined, "the malformed message should be in quarantine"

    def steer(case: schemathesis.Case, data: st.DataObject) -> None:
        """Reach past authentication and the lookup often, not only the first checks."""
        if data.draw(st.booleans()):
            case.headers = {**(case.headers or {}), "Authorization": AUTH}
        parameters = case.path_parameters
        if isinstance(parameters, dict) and "item_id" in parameters and data.draw(st.booleans()):
            parameters["item_id"] = str(quarantined[0])

    await explore_all(
        SCHEMA, count=3, base_url=str(adapter.client.base_url).rstrip("/"), prepare=steer
    )
