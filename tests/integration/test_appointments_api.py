"""The appointments service end to end over HTTP, on the real Kafka broker and store."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from icalendar import Calendar

from services.appointments.app import build_app
from services.appointments.settings import AppointmentsSettings
from shared.auth import DEV_SECRET, Agent, issue_token
from shared.envelope import Envelope
from shared.events import RequestAppointmentChanged
from shared.intake import hash_token
from shared.kafka.producer import EventPublisher
from shared.kafka.topics import REQUESTS
from tests.conftest import KAFKA, dropped, namespaced
from tests.factories import submitted
from tests.integration.appointments_support import appointment_events
from tests.support import eventually, published, serve_app

PARIS = ZoneInfo("Europe/Paris")
AGENT = Agent(agent_id="a1", name="Julie Moreau", department="etat_civil")
AUTH = {"authorization": f"Bearer {issue_token(agent=AGENT, secret=DEV_SECRET)}"}
EVERY_DAY = [{"weekday": d, "start": "08:00", "end": "18:00"} for d in range(7)]
AGENDA: dict[str, Any] = {
    "agenda_id": "passeports",
    "department": "etat_civil",
    "kind": "passeport",
    "title": "Passeport et carte d'identité",
    "location": "Mairie, guichet 2",
    "documents": ["Photo d'identité"],
    "duration_min": 30,
    "capacity": 1,
    "opening": EVERY_DAY,
    "closed_on_public_holidays": False,
    "min_notice_min": 60,
}
CAMILLE = {"name": "Camille Martin", "email": "camille@example.org"}


@dataclass
class Service:
    http: httpx.AsyncClient
    prefix: str

    async def slots(self, agenda: str = "passeports") -> list[dict[str, Any]]:
        tomorrow = (datetime.now(PARIS) + timedelta(days=1)).date()
        response = await self.http.get(
            f"/v1/agendas/{agenda}/slots",
            params={"from": tomorrow.isoformat(), "to": (tomorrow + timedelta(days=2)).isoformat()},
        )
        assert response.status_code == 200, response.text
        return list(response.json()["slots"])


@pytest.fixture
async def service(topic_prefix: str) -> AsyncIterator[Service]:
    settings = AppointmentsSettings(**namespaced(topic_prefix, "appointments"))
    async with (
        dropped(settings.database_name),
        serve_app(build_app(settings)) as base,
        httpx.AsyncClient(base_url=base, timeout=30) as http,
    ):
        created = await http.post("/v1/agents/agendas", json=AGENDA, headers=AUTH)
        assert created.status_code == 201, created.text
        yield Service(http, topic_prefix)


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    return body


async def test_a_citizen_books_gets_the_ics_moves_and_cancels_with_the_code(
    service: Service,
) -> None:
    http = service.http
    first, second = (await service.slots())[:2]
    key = {"Idempotency-Key": f"clic-{uuid.uuid4()}"}
    body = {"start": first["start"], "contact": CAMILLE}
    booked = await http.post("/v1/agendas/passeports/bookings", json=body, headers=key)
    assert booked.status_code == 201, booked.text
    again = await http.post("/v1/agendas/passeports/bookings", json=body, headers=key)
    assert again.status_code == 201 and again.json() == booked.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    booking = booked.json()
    code = booking["code"]
    assert booking["label"] == first["label"] and " à " in booking["label"]
    assert booking["start"] == first["start"]
    # The slot is now full: another citizen is told clearly, in French.
    full = problem(
        await http.post(
            "/v1/agendas/passeports/bookings",
            json=body | {"contact": {"name": "B", "phone": "0612345678"}},
        ),
        409,
    )
    assert full["code"] == "slot_full" and "Créneau complet" in full["detail"]
    assert first["start"] not in [s["start"] for s in await service.slots()]

    ics = await http.get(f"/v1/bookings/{code}/ics")
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    (event,) = Calendar.from_ical(ics.content).walk("VEVENT")
    assert event["UID"] == f"{booking['booking_id']}@relais"
    assert event.decoded("DTSTART") == datetime.fromisoformat(first["start"])
    assert str(event["LOCATION"]) == "Mairie, guichet 2"
    assert booking["label"] in str(event["DESCRIPTION"])

    moved = await http.post(f"/v1/bookings/{code}/move", json={"start": second["start"]})
    assert moved.status_code == 200, moved.text
    assert moved.json()["start"] == second["start"]
    assert first["start"] in [s["start"] for s in await service.slots()]  # released
    shown = await http.get(f"/v1/bookings/{code.lower()}")
    assert shown.json()["start"] == second["start"]

    cancelled = await http.post(f"/v1/bookings/{code}/cancel", json={"reason": "Empêchement"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert second["start"] in [s["start"] for s in await service.slots()]
    problem(await http.post(f"/v1/bookings/{code}/move", json={"start": first["start"]}), 409)
    problem(await http.get("/v1/bookings/AAAAA-BBBBB-CCCCC"), 404)

    events = [e.data for e in await appointment_events(service.prefix)]
    kinds = [type(e).__name__ for e in events if e.booking_id == booking["booking_id"]]
    assert kinds == ["AppointmentBooked", "AppointmentMoved", "AppointmentCancelled"]


async def test_agents_book_for_a_request_and_it_reaches_the_request_timeline(
    service: Service,
) -> None:
    http = service.http
    slot = (await service.slots())[0]
    request_id = f"req-{uuid.uuid4().hex[:8]}"
    body = {
        "start": slot["start"],
        "contact": {"name": "Yanis Benali", "phone": "06 12 34 56 78"},
        "request": {"request_id": request_id, "reference": "2026-P000042"},
    }
    assert (await http.post("/v1/agents/agendas/passeports/bookings", json=body)).status_code == 401
    booked = await http.post("/v1/agents/agendas/passeports/bookings", json=body, headers=AUTH)
    assert booked.status_code == 201, booked.text
    booking_id = booked.json()["booking_id"]
    day = slot["start"][:10]
    listing = await http.get(
        "/v1/agents/agendas/passeports/bookings",
        params={"day": day, "period": "week"},
        headers=AUTH,
    )
    assert listing.status_code == 200
    (row,) = [b for b in listing.json()["bookings"] if b["booking_id"] == booking_id]
    assert row["phone"] == "+33612345678" and row["booked_by"] == "agent" and row["no_shows"] == 0
    arrived = await http.post(f"/v1/agents/bookings/{booking_id}/arrived", headers=AUTH)
    assert arrived.status_code == 200 and arrived.json()["status"] == "arrived"
    stats = await http.get(
        "/v1/agents/agendas/passeports/stats", params={"from": day, "to": day}, headers=AUTH
    )
    assert stats.status_code == 200
    assert stats.json()["booked"] == 1 and stats.json()["places_offered"] == 20
    assert stats.json()["fill_rate"] == 0.05

    timeline = [
        e.data
        for e in await published(KAFKA, service.prefix + REQUESTS)
        if isinstance(e.data, RequestAppointmentChanged)
    ]
    assert [(e.request_id, e.change.value) for e in timeline] == [(request_id, "booked")]


async def test_an_agent_closes_a_range_and_sees_who_is_affected(service: Service) -> None:
    http = service.http
    slot = (await service.slots())[0]
    body = {"start": slot["start"], "contact": CAMILLE}
    assert (await http.post("/v1/agendas/passeports/bookings", json=body)).status_code == 201
    start = datetime.fromisoformat(slot["start"])
    closure = {
        "start": start.isoformat(),
        "end": (start + timedelta(hours=2)).isoformat(),
        "reason": "Formation de l'équipe",
    }
    closed = await http.post("/v1/agents/agendas/passeports/closures", json=closure, headers=AUTH)
    assert closed.status_code == 201, closed.text
    assert [b["name"] for b in closed.json()["affected"]] == ["Camille Martin"]
    remaining = [datetime.fromisoformat(s["start"]) for s in await service.slots()]
    assert not [s for s in remaining if start <= s < start + timedelta(hours=2)]
    other = Agent(agent_id="a2", name="Paul", department="voirie")
    token = {"authorization": f"Bearer {issue_token(agent=other, secret=DEV_SECRET)}"}
    problem(
        await http.post("/v1/agents/agendas/passeports/closures", json=closure, headers=token), 403
    )


async def test_an_agenda_for_open_requests_checks_reference_and_token(
    service: Service, publisher: EventPublisher
) -> None:
    http = service.http
    reserved = AGENDA | {"agenda_id": "urbanisme", "audience": "open_request", "capacity": 2}
    assert (await http.post("/v1/agents/agendas", json=reserved, headers=AUTH)).status_code == 201
    slot = (await service.slots("urbanisme"))[0]
    body: dict[str, Any] = {"start": slot["start"], "contact": CAMILLE}
    refused = problem(await http.post("/v1/agendas/urbanisme/bookings", json=body), 422)
    assert "demandes en cours" in refused["detail"]
    request = submitted(tracking_token_hash=hash_token("jeton-de-suivi-123"))
    await publisher.publish(Envelope(data=request, source="/tests"))
    proof = {"reference": request.reference, "tracking_token": "jeton-de-suivi-123"}
    wrong = body | {"request": proof | {"tracking_token": "mauvais-jeton"}}
    answers: list[httpx.Response] = []

    async def booked() -> bool:
        answers.append(
            await http.post("/v1/agendas/urbanisme/bookings", json=body | {"request": proof})
        )
        return answers[-1].status_code == 201

    await eventually(booked, timeout=30, interval=0.5)
    assert answers[-1].json()["reference"] == request.reference
    problem(await http.post("/v1/agendas/urbanisme/bookings", json=wrong), 422)


async def test_bad_input_is_refused_clearly(service: Service) -> None:
    http = service.http
    slot = (await service.slots())[0]
    no_contact = problem(
        await http.post(
            "/v1/agendas/passeports/bookings",
            json={"start": slot["start"], "contact": {"name": "X"}},
        ),
        422,
    )
    assert "adresse électronique ou un numéro" in str(no_contact["errors"])
    naive = problem(
        await http.post(
            "/v1/agendas/passeports/bookings",
            json={"start": slot["start"][:19], "contact": CAMILLE},
        ),
        422,
    )
    assert "fuseau" in str(naive["errors"])
    off_grid = datetime.fromisoformat(slot["start"]) + timedelta(minutes=7)
    problem(
        await http.post(
            "/v1/agendas/passeports/bookings",
            json={"start": off_grid.isoformat(), "contact": CAMILLE},
        ),
        422,
    )
    past = datetime.now(UTC) - timedelta(days=1)
    problem(
        await http.post(
            "/v1/agendas/passeports/bookings", json={"start": past.isoformat(), "contact": CAMILLE}
        ),
        422,
    )
    problem(await http.get("/v1/agendas/inconnu/slots"), 404)
    problem(
        await http.get(
            "/v1/agendas/passeports/slots", params={"from": "2027-01-01", "to": "2027-12-31"}
        ),
        422,
    )
