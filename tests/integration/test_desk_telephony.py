"""The telephony webhook: secret-checked, idempotent, and calls become requests only when
an agent logs them."""

from collections.abc import AsyncIterator

import pytest

from services.desk.calls import CALL_EVENTS, CALLS
from shared.events import Channel, RequestSubmitted
from shared.mongo import connect
from tests.conftest import MONGODB_URI
from tests.integration.desk_support import (
    TELEPHONY_SECRET,
    RunningDesk,
    agent_headers,
    desk_settings,
    published,
    running_desk,
)

SECRET = {"X-Telephony-Secret": TELEPHONY_SECRET}


@pytest.fixture
async def desk(topic_prefix: str) -> AsyncIterator[RunningDesk]:
    async with running_desk(desk_settings(topic_prefix)) as running:
        yield running


def _event(kind: str, call_id: str, second: int) -> dict:
    return {
        "event": kind,
        "call_id": call_id,
        "from": "06 12 34 56 78",
        "to": "01 40 00 00 00",
        "timestamp": f"2026-03-02T10:00:{second:02d}+01:00",
        "agent": "poste-12",
        "direction": "in",  # extra fields of the telephony system are ignored
    }


async def _post(desk: RunningDesk, body: dict, headers: dict | None = None) -> dict:
    answer = await desk.client.post("/v1/telephony/events", json=body, headers=headers or SECRET)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_events_are_idempotent_and_the_state_is_stored(desk: RunningDesk) -> None:
    states = [
        await _post(desk, _event(kind, "c-1", second))
        for kind, second in [("newCall", 0), ("answer", 5), ("answer", 5), ("answer", 9)]
    ]
    assert [(s["state"], s["duplicate"]) for s in states] == [
        ("ringing", False),
        ("answered", False),
        ("answered", True),
        ("answered", True),
    ]
    hangup = await _post(desk, _event("hangup", "c-1", 50))
    assert (hangup["state"], hangup["duplicate"], hangup["reference"]) == ("ended", False, None)

    client = connect(uri=MONGODB_URI)
    try:
        db = client[desk.settings.database_name]
        call = await db[CALLS].find_one({"_id": "c-1"})
        assert call is not None
        assert (call["from_number"], call["to_number"], call["agent"]) == (
            "+33612345678",
            "+33140000000",
            "poste-12",
        )
        assert (call["ended_at"] - call["answered_at"]).total_seconds() == 45
        assert await db[CALL_EVENTS].count_documents({"call_id": "c-1"}) == 3
    finally:
        await client.close()
    # A hangup of an answered call that no agent logged creates no request.
    assert await published(desk.topic) == []


async def test_a_forged_or_missing_secret_is_refused_before_anything_is_stored(
    desk: RunningDesk,
) -> None:
    for headers in ({"X-Telephony-Secret": "pas-le-bon-secret"}, {}, agent_headers()):
        answer = await desk.client.post(
            "/v1/telephony/events", json=_event("newCall", "c-2", 0), headers=headers
        )
        assert answer.status_code == 401, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert "Secret de la téléphonie" in answer.json()["detail"]
    broken = await desk.client.post(
        "/v1/telephony/events", content=b"{", headers={"X-Telephony-Secret": "faux"}
    )
    assert broken.status_code == 401
    client = connect(uri=MONGODB_URI)
    try:
        assert await client[desk.settings.database_name][CALLS].count_documents({}) == 0
    finally:
        await client.close()


async def test_malformed_events_get_a_french_problem(desk: RunningDesk) -> None:
    answer = await desk.client.post(
        "/v1/telephony/events",
        json={"event": "ring", "call_id": "c-3", "timestamp": "hier"},
        headers=SECRET,
    )
    assert answer.status_code == 422
    fields = {e["field"] for e in answer.json()["errors"]}
    assert fields == {"event", "timestamp"}


async def test_an_agent_logging_the_call_links_its_number_and_timing(desk: RunningDesk) -> None:
    for kind, second in [("newCall", 0), ("answer", 4), ("hangup", 34)]:
        await _post(desk, _event(kind, "c-4", second))
    body = {"category": "eclairage", "description": "Lampadaire éteint", "call_id": "c-4"}
    logged = await desk.client.post("/v1/calls", json=body, headers=agent_headers())
    assert logged.status_code == 202, logged.text
    reference = logged.json()["reference"]

    (envelope,) = await published(desk.topic)
    event = envelope.data
    assert isinstance(event, RequestSubmitted) and event.channel == Channel.PHONE
    assert event.reference == reference
    assert event.citizen.phone == "+33612345678"  # from the telephony, the agent typed none
    assert event.form is not None
    assert event.form.fields["call_duration_s"] == 30
    assert event.form.fields["call_started_at"] == "2026-03-02T09:00:00+00:00"  # UTC
    # The call now knows its request; a late repeated hangup changes nothing.
    late = await _post(desk, _event("hangup", "c-4", 59))
    assert (late["reference"], late["duplicate"]) == (reference, True)
    assert len(await published(desk.topic)) == 1
