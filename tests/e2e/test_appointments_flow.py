"""A citizen books through the appointments service's HTTP API, receives the confirmation
with its .ics by email (notification, SMTP sink), moves, then cancels with the booking code:
service processes on the real Kafka broker and store."""

import email
import email.policy
from collections.abc import AsyncIterator
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from icalendar import Calendar

from shared.auth import DEV_SECRET, Agent, issue_token
from tests.e2e.conftest import Pipeline, drop_databases, start_pipeline
from tests.support import eventually
from tools.devstack import stop_services

AGENT = Agent(agent_id="a1", name="Julie Moreau", department="etat_civil")
AUTH = {"authorization": f"Bearer {issue_token(agent=AGENT, secret=DEV_SECRET)}"}
AGENDA = {
    "agenda_id": "passeports",
    "department": "etat_civil",
    "kind": "passeport",
    "title": "Passeport biométrique",
    "location": "Mairie, guichet 2",
    "documents": ["Photo d'identité"],
    "duration_min": 30,
    "capacity": 1,
    "opening": [{"weekday": d, "start": "08:00", "end": "18:00"} for d in range(7)],
    "closed_on_public_holidays": False,
}
CITIZEN = {"name": "Camille Martin", "email": "camille.rdv@example.org"}


@pytest.fixture(scope="module")
async def services(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Pipeline]:
    running = await start_pipeline(
        tmp_path_factory.mktemp("appointments"),
        names=("appointments", "notification", "mailsink"),
    )
    yield running
    stop_services(running.handles)
    await drop_databases(running)


async def mail_titled(mail_dir: Path, words: str) -> EmailMessage:
    found: list[EmailMessage] = []

    async def arrived() -> bool:
        for path in mail_dir.glob("*.eml"):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if words in str(message["Subject"]):
                found.append(message)  # type: ignore[arg-type]
                return True
        return False

    await eventually(arrived, timeout=40, interval=0.2)
    return found[0]


def ics_start(message: EmailMessage) -> datetime:
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    (event,) = Calendar.from_ical(attachment.get_content()).walk("VEVENT")
    start: datetime = event.decoded("DTSTART")
    return start


async def test_book_receive_the_ics_move_and_cancel_with_the_code(services: Pipeline) -> None:
    base = services.url("appointments")
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        created = await http.post("/v1/agents/agendas", json=AGENDA, headers=AUTH)
        assert created.status_code == 201, created.text
        first, second = (await http.get("/v1/agendas/passeports/slots")).json()["slots"][:2]
        booked = await http.post(
            "/v1/agendas/passeports/bookings",
            json={"start": first["start"], "contact": CITIZEN},
            headers={"Idempotency-Key": "e2e-rdv-1"},
        )
        assert booked.status_code == 201, booked.text
        code = booked.json()["code"]

        confirmation = await mail_titled(services.mail_dir, "Votre rendez-vous est confirmé")
        assert confirmation["To"].addresses[0].addr_spec == CITIZEN["email"]
        assert ics_start(confirmation) == datetime.fromisoformat(first["start"])
        assert first["label"] in str(confirmation["Subject"])

        moved = await http.post(f"/v1/bookings/{code}/move", json={"start": second["start"]})
        assert moved.status_code == 200, moved.text
        notice = await mail_titled(services.mail_dir, "Votre rendez-vous a été déplacé")
        assert ics_start(notice) == datetime.fromisoformat(second["start"])

        cancelled = await http.post(f"/v1/bookings/{code}/cancel", json={})
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        again = await http.get("/v1/agendas/passeports/slots")
        assert {first["start"], second["start"]} <= {s["start"] for s in again.json()["slots"]}
