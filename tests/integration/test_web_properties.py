"""Property test: whatever a client sends within (or outside) the OpenAPI document, signed
or not, the web channels adapter answers without a server error."""

import asyncio
import json
import time
from collections.abc import AsyncIterator
from functools import partial
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import strategies as st

from services.web.app import build_app
from shared.signatures import sign_chatbot, sign_facebook
from tests.integration.test_web_support import (
    APP_SECRET,
    CHATBOT_SECRET,
    VERIFY_TOKEN,
    running_web,
    web_settings,
)
from tests.properties import assume_head_fits, explore, operations

SUBSCRIBE = {"hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
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


def _send(case: schemathesis.Case, data: st.DataObject, *, base: str) -> requests.Response:
    """Send the case itself (not through schemathesis), often signed or with the right token."""
    operation = case.operation
    kwargs = case.as_transport_kwargs(base_url=base)
    webhook = operation.method.upper() == "POST" and "webhook" in operation.path
    signed = webhook and data.draw(st.booleans(), label="signed")
    if signed:
        kwargs = _signed(operation.path, kwargs)
    verification = operation.method.upper() == "GET" and "facebook" in operation.path
    if verification and data.draw(st.booleans(), label="right token"):
        kwargs["params"] = {**kwargs["params"], "hub.mode": "subscribe", **SUBSCRIBE}
    assume_head_fits(kwargs)
    return requests.request(**kwargs, timeout=15)


def _check(case: schemathesis.Case, response: requests.Response) -> None:
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.timeout(300)
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
async def test_no_request_makes_the_adapter_fail(base_url: str) -> None:
    for operation in operations(SCHEMA, 6):
        await asyncio.to_thread(
            explore,
            operation,
            base_url=base_url,
            # nothing to get wrong in the categories list
            negative=operation.path != "/v1/contact/categories",
            send=partial(_send, base=base_url),
            check=_check,
        )
