"""What the HTTP channels share: one POST, and reading the platform's answer."""

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

MAX_RETRY_AFTER_S = 86400


def retry_at(headers: httpx.Headers, *, now: datetime) -> datetime | None:
    """When `Retry-After` (seconds or an HTTP date) asks to try again, if it says."""
    value = headers.get("retry-after", "").strip()
    if value.isdigit():
        return now + timedelta(seconds=min(int(value), MAX_RETRY_AFTER_S))
    try:
        when = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return None
    return when.replace(tzinfo=UTC) if when and when.tzinfo is None else when


def json_object(answer: httpx.Response) -> dict[str, Any]:
    """The answer's JSON object, or {} when it is not one."""
    try:
        body = answer.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


async def post(
    url: str, *, client: httpx.AsyncClient | None, timeout_s: float, **request: Any
) -> httpx.Response:
    """POST through the given client, or a fresh one closed right after."""
    if client is not None:
        return await client.post(url, **request)
    async with httpx.AsyncClient(timeout=timeout_s) as fresh:
        return await fresh.post(url, **request)
