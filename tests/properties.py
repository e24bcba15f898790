"""Shared scaffolding for the schemathesis property tests of the HTTP services.

Each service's test keeps its own steering (auth headers, known ids, signatures, its own error
format, request-size skips) as `prepare` / `check` / `send` callbacks; this module runs the
hypothesis exploration of every operation and the checks common to all of them."""

import asyncio
from collections.abc import Callable
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

Prepare = Callable[[schemathesis.Case, st.DataObject], None]
Send = Callable[[schemathesis.Case, st.DataObject], Any]
Check = Callable[[schemathesis.Case, Any], None]

EXAMPLES_PER_OPERATION = 50
# Request heads over h11's 16 KiB are dropped by uvicorn before the app sees them.
MAX_HEAD = 12 * 1024


def operations(schema: schemathesis.BaseSchema, count: int) -> list[schemathesis.APIOperation]:
    """Every operation of the schema, checking there are as many as the test expects."""
    found = [result.ok() for result in schema.get_all_operations()]
    assert len(found) == count
    return found


def content_type(response: Any) -> str:
    """The Content-Type of a schemathesis (list-valued headers) or requests response."""
    value = response.headers.get("content-type", "")
    if isinstance(value, list):
        return value[0] if value else ""
    return str(value)


def assert_no_server_error(case: schemathesis.Case, response: Any) -> None:
    assert response.status_code < 500, (
        case.method,
        case.path,
        response.status_code,
        response.text[:500],
    )


def assert_problem_json(response: Any) -> None:
    """A refusal (4xx) is an RFC 9457 problem document."""
    if response.status_code >= 400:
        kind = content_type(response)
        assert kind.startswith("application/problem+json"), kind


def head_size(kwargs: dict[str, Any]) -> int:
    """Bytes of the request line and headers `requests` would send for these transport kwargs."""
    request = requests.Request(
        method=kwargs["method"],
        url=kwargs["url"],
        params=kwargs.get("params"),
        headers=kwargs.get("headers"),
    ).prepare()
    headers = sum(len(k) + len(str(v)) + 4 for k, v in request.headers.items())
    return len(request.url or "") + headers


def assume_head_fits(kwargs: dict[str, Any]) -> None:
    """Skip cases whose request head uvicorn would drop before the app sees it."""
    assume(head_size(kwargs) <= MAX_HEAD)


def explore(
    operation: schemathesis.APIOperation,
    *,
    base_url: str,
    examples: int = EXAMPLES_PER_OPERATION,
    negative: bool = True,
    problem_json: bool = True,
    prepare: Prepare | None = None,
    send: Send | None = None,
    check: Check | None = None,
) -> None:
    """Send `examples` positive and negative cases of `operation`: none may be a server error,
    every refusal is a problem+json document (unless `problem_json=False`), then `check`."""
    modes = [GenerationMode.POSITIVE]
    if negative:
        modes.append(GenerationMode.NEGATIVE)
    cases = st.one_of(*(operation.as_strategy(mode) for mode in modes))

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases, data=st.data())
    def answers_without_server_error(case: schemathesis.Case, data: st.DataObject) -> None:
        if prepare is not None:
            prepare(case, data)
        if send is not None:
            response = send(case, data)
        else:
            response = case.call(base_url=base_url, timeout=15)
        assert_no_server_error(case, response)
        if problem_json:
            assert_problem_json(response)
        if check is not None:
            check(case, response)

    answers_without_server_error()


async def explore_all(
    schema: schemathesis.BaseSchema, *, count: int, base_url: str, **options: Any
) -> None:
    """`explore` each of the schema's `count` operations (in a thread: hypothesis is sync)."""
    for operation in operations(schema, count):
        await asyncio.to_thread(explore, operation, base_url=base_url, **options)
