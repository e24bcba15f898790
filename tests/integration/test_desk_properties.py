"""Property test: whatever an agent's client (or the telephony) sends, within or outside the
OpenAPI document, the desk adapter answers without a server error."""

import json
from collections.abc import AsyncIterator

import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis import Response

from services.desk.app import build_app
from shared.catalogue import load_catalogue
from shared.directory import REQUESTS as DIRECTORY
from shared.envelope import Envelope
from shared.kafka.producer import EventPublisher
from shared.mongo import connect
from shared.problems import FRENCH_DETAILS
from tests.conftest import MONGODB_URI
from tests.factories import submitted
from tests.integration.desk_support import (
    TELEPHONY_SECRET,
    agent_headers,
    desk_settings,
    running_desk,
)
from tests.properties import explore_all
from tests.support import eventually

SCHEMA = schemathesis.openapi.from_dict(build_app().openapi()).include(path_regex="^/v1/")
CATEGORIES = sorted(load_catalogue().categories)
KNOWN_REFERENCE = "2026-P000777"
LETTER_DATA = json.dumps(
    {
        "sender": {"name": "Marcel Dupont", "postal_address": "4 rue Haute"},
        "date_received": "2026-01-05",
        "description": "Réclamation",
    }
)


@pytest.fixture
async def base_url(topic_prefix: str, publisher: EventPublisher) -> AsyncIterator[str]:
    async with running_desk(desk_settings(topic_prefix)) as desk:
        await publisher.publish(
            Envelope(data=submitted(reference=KNOWN_REFERENCE), source="/relais/portal")
        )
        client = connect(uri=MONGODB_URI)
        directory = client[desk.settings.database_name][DIRECTORY]

        async def known() -> bool:
            return await directory.find_one({"reference": KNOWN_REFERENCE}) is not None

        try:
            await eventually(known)
        finally:
            await client.close()
        yield str(desk.client.base_url).rstrip("/")


def _steer(case: schemathesis.Case, data: st.DataObject) -> None:
    """Often make the case pass the checks that come first, so the deeper paths run too."""
    if data.draw(st.sampled_from([True, True, True, False])):  # mostly a valid agent
        ours = agent_headers() | {"x-telephony-secret": TELEPHONY_SECRET}
        theirs = {k: v for k, v in (case.headers or {}).items() if k.lower() not in ours}
        case.headers = theirs | ours
    body = case.body
    if isinstance(body, dict) and data.draw(st.booleans()):
        if case.path in ("/v1/visits", "/v1/calls"):
            body["category"] = data.draw(st.sampled_from(CATEGORIES))
        elif case.path == "/v1/letters":
            body["data"] = LETTER_DATA
    if case.path_parameters and data.draw(st.booleans()):
        case.path_parameters["reference"] = KNOWN_REFERENCE


def _check(case: schemathesis.Case, response: Response) -> None:
    if response.status_code >= 400:
        assert response.json()["detail"] not in FRENCH_DETAILS, response.text  # French


@pytest.mark.timeout(240)
async def test_no_request_makes_the_desk_adapter_fail(base_url: str) -> None:
    await explore_all(SCHEMA, count=6, base_url=base_url, prepare=_steer, check=_check)
