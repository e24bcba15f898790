"""Property test: whatever a client sends within (or outside) the OpenAPI document, signed
or not, the web channels adapter answers without a server error."""

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from services.web.app import build_app
from services.web.signatures import sign_chatbot, sign_facebook
from tests.integration.test_web_support import (
    APP_SECRET,
    CHATBOT_SECRET,
    VERIFY_TOKEN,
    running_web,
    web_settings,
)

EXAMPLES_PER_OPERATION = 50
SUBSCRIBE = {"hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
MAX_HEAD = 12 * 1024
SCHEMA = schemathesis.openapi.from_dict(build_app().openapi()).include(path_regex="^/v1/")


@pytest.fixture
async def base_url(topic_prefix: str) -> AsyncIterator[str]:
    async with running_web(web_settings(topic_prefix, contact_rate_limit="100000/minute")) as web:
        yield str(web.client.base_url)


def _signed(path: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """The same request with its body as bytes, signed as Facebook or the chatbot would."""
    body = kwargs.pop("data", None)
    if "json" in kwargs:
        body = json.dumps(kwargs.pop("json")).encode()
    body = body if isinstance(body, bytes) else b""
    headers = {**kwargs.get("headers", {}), "Content-Type": "application/json"}
    if path.startswith("/v1/facebook"):
        headers["X-Hub-Signature-256"] = sign_facebook(secret=APP_SECRET, body=body)
    else:
        stamp = int(time.time())
        headers["X-Relais-Timestamp"] = str(stamp)
        headers["X-Relais-Signature"] = sign_chatbot(
            secret=CHATBOT_SECRET, timestamp=stamp, body=body
        )
    return {**kwargs, "headers": headers, "data": body}


def _head_size(kwargs: dict[str, Any]) -> int:
    request = requests.Request(
        method=kwargs["method"],
        url=kwargs["url"],
        params=kwargs.get("params"),
        headers=kwargs.get("headers"),
    ).prepare()
    return len(request.url or "") + sum(
        len(k) + len(str(v)) + 4 for k, v in request.headers.items()
    )


def _explore(operation: schemathesis.APIOperation, base: str) -> None:
    modes = [GenerationMode.POSITIVE]
    if operation.path != "/v1/contact/categories":  # nothing to get wrong there
        modes.append(GenerationMode.NEGATIVE)
    cases = st.one_of(*(operation.as_strategy(mode) for mode in modes))
    webhook = operation.method.upper() == "POST" and "webhook" in operation.path

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases, data=st.data())
    def answers_without_server_error(case: schemathesis.Case, data: st.DataObject) -> None:
        kwargs = case.as_transport_kwargs(base_url=base)
        signed = webhook and data.draw(st.booleans(), label="signed")
        if signed:
            kwargs = _signed(operation.path, kwargs)
        verification = operation.method.upper() == "GET" and "facebook" in operation.path
        if verification and data.draw(st.booleans(), label="right token"):
            kwargs["params"] = {**kwargs["params"], "hub.mode": "subscribe", **SUBSCRIBE}
        # Request heads over h11's 16 KiB are dropped by uvicorn before the app sees them.
        assume(_head_size(kwargs) <= MAX_HEAD)
        response = requests.request(**kwargs, timeout=15)
        assert response.status_code < 500, (response.status_code, response.text[:500])
        if response.status_code >= 400:
            assert response.headers["content-type"] == "application/problem+json"

    answers_without_server_error()


@pytest.mark.timeout(300)
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
async def test_no_request_makes_the_adapter_fail(base_url: str) -> None:
    operations = [result.ok() for result in SCHEMA.get_all_operations()]
    assert len(operations) == 5
    for operation in operations:
        await asyncio.to_thread(_explore, operation, base_url)
