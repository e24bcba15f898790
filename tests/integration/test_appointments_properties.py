"""Property test: whatever a client sends to the appointments API, within or outside its
OpenAPI document, the answer is never a server error, and refusals are problem documents."""

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis import Response

from services.appointments.app import build_app
from services.appointments.settings import AppointmentsSettings
from shared.auth import DEV_SECRET, Agent, issue_token
from tests.conftest import dropped, namespaced
from tests.properties import explore_all
from tests.support import serve_app

EXAMPLES_PER_OPERATION = 25
SCHEMA = schemathesis.openapi.from_dict(build_app().openapi()).include(path_regex="^/v1/")
AGENT = Agent(agent_id="a1", name="Julie Moreau", department="etat_civil")
AUTH = f"Bearer {issue_token(agent=AGENT, secret=DEV_SECRET)}"
AGENDA: dict[str, Any] = {
    "agenda_id": "passeports",
    "department": "etat_civil",
    "kind": "passeport",
    "title": "Passeport",
    "duration_min": 30,
    "capacity": 3,
    "opening": [{"weekday": d, "start": "08:00", "end": "18:00"} for d in range(7)],
    "closed_on_public_holidays": False,
}


@dataclass
class Known:
    base_url: str
    code: str
    booking_id: str
    starts: list[str]


@pytest.fixture
async def known(topic_prefix: str) -> AsyncIterator[Known]:
    settings = AppointmentsSettings(**namespaced(topic_prefix, "appointments"))
    async with dropped(settings.database_name), serve_app(build_app(settings)) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            headers = {"Authorization": AUTH}
            assert (await http.post("/v1/agents/agendas", json=AGENDA, headers=headers)).is_success
            slots = (await http.get("/v1/agendas/passeports/slots")).json()["slots"]
            starts = [s["start"] for s in slots[:20]]
            contact = {"name": "Camille", "email": "camille@example.org"}
            body = {"start": starts[-1], "contact": contact}
            booked = (await http.post("/v1/agendas/passeports/bookings", json=body)).json()
        yield Known(base, booked["code"], booked["booking_id"], starts)


def steer(known: Known) -> Any:
    def _steer(case: schemathesis.Case, data: st.DataObject) -> None:
        """Reach past authentication, lookups and slot checks often."""
        if data.draw(st.booleans()):
            case.headers = {**(case.headers or {}), "Authorization": AUTH}
        params = case.path_parameters
        if isinstance(params, dict) and data.draw(st.booleans()):
            for name, value in (
                ("agenda_id", "passeports"),
                ("code", known.code),
                ("booking_id", known.booking_id),
            ):
                if name in params:
                    params[name] = value
        body = case.body
        if isinstance(body, dict) and "start" in body and data.draw(st.booleans()):
            body["start"] = data.draw(st.sampled_from(known.starts))
        contact = body.get("contact") if isinstance(body, dict) else None
        if isinstance(contact, dict) and contact.get("phone") and data.draw(st.booleans()):
            contact["phone"] = "06 12 34 56 78"

    return _steer


def check(case: schemathesis.Case, response: Response) -> None:
    if response.status_code >= 400:
        assert json.loads(response.content)["detail"]


@pytest.mark.timeout(400)
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
async def test_no_request_makes_appointments_fail(known: Known) -> None:
    await explore_all(
        SCHEMA,
        count=17,
        base_url=known.base_url,
        examples=EXAMPLES_PER_OPERATION,
        prepare=steer(known),
        check=check,
    )
