"""A citizen's message from the status page, through the portal, on the real log and store."""

import json
from collections.abc import AsyncIterator

import pytest

from shared.events import Channel, CitizenMessageReceived
from tests.integration.test_portal_api import REQUEST, Portal, _problem, _settings, running_portal
from tests.support import eventually

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


@pytest.fixture
async def portal(topic_prefix: str) -> AsyncIterator[Portal]:
    async with running_portal(_settings(topic_prefix)) as running:
        yield running


def _message(text: str) -> list[tuple[str, tuple[str, bytes, str]]]:
    data = json.dumps({"text": text}).encode()
    return [
        ("data", ("data.json", data, "application/json")),
        ("files", ("plan.png", PNG, "image/png")),
    ]


async def _known(portal: Portal, reference: str) -> None:
    """The portal's directory learns the request from the log (its own consumer)."""

    async def known() -> bool:
        return await portal.db["directory_requests"].find_one({"reference": reference}) is not None

    await eventually(known, timeout=30)


async def test_the_tracking_code_opens_the_request_and_the_message_is_published_once(
    portal: Portal,
) -> None:
    accepted = (await portal.http.post("/v1/requests", json=REQUEST)).json()
    reference, token = accepted["reference"], accepted["tracking_token"]
    await _known(portal, reference)
    url = f"/v1/requests/{reference}/messages"

    wrong = await portal.http.post(
        url, files=_message("Bonjour"), headers={"X-Tracking-Token": "x"}
    )
    unknown = await portal.http.post(
        "/v1/requests/2026-P999999/messages",
        files=_message("Bonjour"),
        headers={"X-Tracking-Token": token},
    )
    assert _problem(wrong, 404)["detail"] == _problem(unknown, 404)["detail"]

    headers = {"X-Tracking-Token": token, "Idempotency-Key": "msg-1"}
    first = await portal.http.post(url, files=_message("Voici le plan."), headers=headers)
    again = await portal.http.post(url, files=_message("Voici le plan."), headers=headers)
    assert first.status_code == again.status_code == 202, first.text
    assert again.headers.get("Idempotent-Replayed") == "true"

    messages = [e.data for e in await portal.events() if isinstance(e.data, CitizenMessageReceived)]
    assert len(messages) == 1
    assert messages[0].request_id == accepted["id"]
    assert messages[0].channel is Channel.PORTAL
    assert messages[0].text == "Voici le plan."
    assert [a.filename for a in messages[0].attachments] == ["plan.png"]


async def test_an_empty_message_is_refused_in_french(portal: Portal) -> None:
    accepted = (await portal.http.post("/v1/requests", json=REQUEST)).json()
    await _known(portal, accepted["reference"])
    response = await portal.http.post(
        f"/v1/requests/{accepted['reference']}/messages",
        files=_message(""),
        headers={"X-Tracking-Token": accepted["tracking_token"]},
    )
    body = _problem(response, 422)
    assert body["errors"][0]["field"] == "text"
    assert "au moins" in body["errors"][0]["message"]
