"""200 citizens race for the 10 places of a slot while the service is killed with SIGKILL and
restarted: every attempt ends with exactly one clear answer (201 or 409 « créneau complet »),
exactly 10 bookings exist, and no place is held twice."""

import asyncio
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from shared.auth import DEV_SECRET, Agent, issue_token
from shared.envelope import APPOINTMENT_CODEC
from shared.events import AppointmentBooked, AppointmentCancelled, AppointmentReminderDue
from shared.kafka.topics import APPOINTMENTS
from shared.mongo import connect
from tests.conftest import KAFKA, MONGODB_URI
from tests.e2e.crash import ServiceProcess, crash_namespace, kill_under_load
from tests.support import eventually, read_log

ATTEMPTS = 200
PLACES = 10
AGENT = Agent(agent_id="a1", name="Julie Moreau", department="etat_civil")
AUTH = {"authorization": f"Bearer {issue_token(agent=AGENT, secret=DEV_SECRET)}"}
AGENDA: dict[str, Any] = {
    "agenda_id": "cni",
    "department": "etat_civil",
    "kind": "cni",
    "title": "Carte d'identité",
    "duration_min": 30,
    "capacity": PLACES,
    "opening": [{"weekday": d, "start": "08:00", "end": "18:00"} for d in range(7)],
    "closed_on_public_holidays": False,
    "min_notice_min": 0,
}


async def attempt(http: httpx.AsyncClient, n: int, start: str) -> httpx.Response | None:
    """One citizen's attempt; None when the service did not answer (killed)."""
    body = {"start": start, "contact": {"name": f"Habitant {n}", "email": f"h{n}@example.org"}}
    try:
        return await http.post(
            "/v1/agendas/cni/bookings", json=body, headers={"Idempotency-Key": f"essai-{n}"}
        )
    except httpx.TransportError:
        return None


def definitive(response: httpx.Response | None) -> bool:
    return response is not None and response.status_code in (201, 409)


@pytest.mark.timeout(420)
async def test_no_double_booking_across_a_sigkill(tmp_path: Path) -> None:
    async with crash_namespace("appointments") as space:
        env = space.env | {"BOOKING_LEASE_S": "3", "SWEEP_INTERVAL_S": "1"}
        service = ServiceProcess("appointments", env=env, log=tmp_path / "appointments.log")
        client = connect(uri=MONGODB_URI)
        db: Any = client[space.database]
        answers: dict[int, httpx.Response | None] = {}
        limits = httpx.Limits(max_connections=50)
        try:
            async with httpx.AsyncClient(
                base_url=service.base_url, timeout=30, limits=limits
            ) as http:
                async with service.running():
                    created = await http.post("/v1/agents/agendas", json=AGENDA, headers=AUTH)
                    assert created.status_code == 201, created.text
                    start = _tomorrow_ten()

                    async def one(n: int) -> None:
                        answers[n] = await attempt(http, n, start)

                    async def places() -> int:
                        return int(await db.claims.count_documents({"kind": "place"}))

                    killed = await kill_under_load(
                        service,
                        load=asyncio.gather(*(one(n) for n in range(ATTEMPTS))),
                        count=places,
                        at=3,
                        interval_s=0.01,
                    )
                    await killed.load
                unanswered = [n for n, r in answers.items() if not definitive(r)]
                assert unanswered, "every attempt was answered before the kill: not mid-run"

                async with service.running():
                    while unanswered:  # the same Idempotency-Key: the same attempt
                        retried = await asyncio.gather(
                            *(attempt(http, n, start) for n in unanswered)
                        )
                        answers.update(zip(unanswered, retried, strict=True))
                        unanswered = [n for n in unanswered if not definitive(answers[n])]
                        await asyncio.sleep(0.5)
                    await _assert_exactly_ten(db, answers, space.prefix)
        finally:
            await client.close()


def _tomorrow_ten() -> str:
    paris = ZoneInfo("Europe/Paris")
    day = (datetime.now(paris) + timedelta(days=1)).date()
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=paris).isoformat()


async def _assert_exactly_ten(
    db: Any, answers: dict[int, httpx.Response | None], prefix: str
) -> None:
    final = {n: r for n, r in answers.items() if r is not None}
    assert len(final) == ATTEMPTS
    statuses = Counter(r.status_code for r in final.values())
    assert statuses == {201: PLACES, 409: ATTEMPTS - PLACES}, statuses
    assert all(r.json()["code"] == "slot_full" for r in final.values() if r.status_code == 409)
    booked_ids = {r.json()["booking_id"] for r in final.values() if r.status_code == 201}
    assert len(booked_ids) == PLACES
    confirmed = {d["_id"] async for d in db.bookings.find({"status": "confirmed"})}
    assert confirmed == booked_ids
    places = [c async for c in db.claims.find({"kind": "place"})]
    assert len(places) == PLACES and {c["booking_id"] for c in places} == booked_ids

    async def settled() -> bool:
        return (
            await db.bookings.count_documents({"status": {"$in": ["pending", "abandoning"]}}) == 0
        )

    await eventually(settled, timeout=60)
    last: dict[str, object] = {}
    for record in await read_log(KAFKA, prefix + APPOINTMENTS):
        event = APPOINTMENT_CODEC.decode(record).data
        if not isinstance(event, AppointmentReminderDue):
            last[event.booking_id] = event  # one partition per agenda: in order
    # Every booking whose last word is "booked" is one of the ten, and all ten are.
    assert {b for b, e in last.items() if isinstance(e, AppointmentBooked)} == booked_ids
    assert all(isinstance(e, AppointmentCancelled) for b, e in last.items() if b not in booked_ids)
