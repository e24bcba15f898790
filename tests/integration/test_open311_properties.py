"""Property test: whatever a client sends within (or outside) the OpenAPI document,
the Open311 adapter answers without a server error, in the format the extension names."""

import asyncio
import json
import uuid
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from services.open311.app import build_app
from services.open311.settings import Open311Settings
from shared.catalogue import load_catalogue
from shared.mongo import connect
from tests.conftest import KAFKA, MONGODB_URI
from tests.support import serve_app

KEY = "cle-proprietes"
EXAMPLES_PER_OPERATION = 50
MAX_HEAD = 12 * 1024
SCHEMA = schemathesis.openapi.from_dict(build_app().openapi()).include(path_regex="^/open311/")
SERVICE_CODES = sorted(load_catalogue().categories)


@pytest.fixture
async def base_url(topic_prefix: str) -> AsyncIterator[str]:
    database = f"test_open311_{uuid.uuid4().hex[:8]}"
    app = build_app(
        Open311Settings(
            kafka_bootstrap_servers=KAFKA,
            topic_prefix=topic_prefix,
            mongodb_uri=MONGODB_URI,
            mongodb_database=database,
            open311_api_keys=KEY,
        )
    )
    try:
        async with serve_app(app) as base:
            yield base
    finally:
        client = connect(uri=MONGODB_URI)
        await client.drop_database(database)
        await client.close()


def _check_body(path: str, content_type: str, body: bytes) -> None:
    if path.endswith(".xml"):
        assert content_type.startswith("application/xml"), content_type
        ET.fromstring(body)
    elif path.endswith(".json"):
        assert content_type.startswith("application/json"), content_type
        json.loads(body)


def _head_size(case: schemathesis.Case, base: str) -> int:
    kwargs = case.as_transport_kwargs(base_url=base)
    request = requests.Request(
        method=kwargs["method"],
        url=kwargs["url"],
        params=kwargs.get("params"),
        headers=kwargs.get("headers"),
    ).prepare()
    headers = sum(len(k) + len(str(v)) + 4 for k, v in request.headers.items())
    return len(request.url or "") + headers


def _explore(operation: schemathesis.APIOperation, base: str) -> None:
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases, data=st.data())
    def answers_without_server_error(case: schemathesis.Case, data: st.DataObject) -> None:
        # Reach the publishing and searching paths often, not only the first checks.
        if isinstance(case.query, dict) and data.draw(st.booleans()):
            case.query.pop("jurisdiction_id", None)
        if case.method == "POST" and isinstance(case.body, dict) and data.draw(st.booleans()):
            case.body["api_key"] = KEY
            case.body["service_code"] = data.draw(st.sampled_from(SERVICE_CODES))
            case.body.pop("jurisdiction_id", None)
            if not {"lat", "address_string", "address_id"} & set(case.body):
                case.body["address_string"] = "1 place de la Mairie"
            if case.body.get("phone"):
                case.body["phone"] = data.draw(
                    st.sampled_from(["06 12 34 56 78", "+32 2 555 12 12"])
                )
        # Request heads over h11's 16 KiB are dropped by uvicorn before the app sees them.
        assume(_head_size(case, base) <= MAX_HEAD)
        response = case.call(base_url=base, timeout=15)
        assert response.status_code < 500, (response.status_code, response.text[:500])
        path = case.formatted_path
        _check_body(path, response.headers.get("content-type", [""])[0], response.content)

    answers_without_server_error()


@pytest.mark.timeout(240)
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
async def test_no_request_makes_the_adapter_fail(base_url: str) -> None:
    operations = [result.ok() for result in SCHEMA.get_all_operations()]
    assert len(operations) == 6
    for operation in operations:
        await asyncio.to_thread(_explore, operation, base_url)
