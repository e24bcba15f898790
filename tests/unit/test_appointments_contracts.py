"""Appointment events: their own topic keyed by agenda id, schemas in contracts/."""

import json
from datetime import UTC, datetime, timedelta

import jsonschema
import pytest

from shared.envelope import APPOINTMENT_CODEC, Envelope, PoisonMessage, encode
from shared.events import APPOINTMENT_EVENT_MODELS, AppointmentBooked
from shared.events.appointments import AppointmentContact, BookedBy
from tools import contracts

START = datetime(2027, 3, 28, 7, 30, tzinfo=UTC)


def booked() -> AppointmentBooked:
    return AppointmentBooked(
        agenda_id="passeports",
        booking_id="b1",
        department="etat_civil",
        kind="passeport",
        title="Passeport",
        start=START,
        end=START + timedelta(minutes=30),
        contact=AppointmentContact(name="Camille Martin", email="camille@example.org"),
        booked_by=BookedBy.CITIZEN,
        actor="usager",
        booked_at=START - timedelta(days=3),
    )


class Record:
    def __init__(
        self, key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]]
    ) -> None:
        self.key, self.value, self.headers = key, value, headers
        self.topic, self.partition, self.offset = "t", 0, 0


def test_an_appointment_event_is_keyed_by_agenda_and_round_trips() -> None:
    envelope = Envelope(data=booked(), source="/relais/appointments", id="b1.booked")
    key, value, headers = encode(envelope)
    assert key == b"passeports"
    assert dict(headers)["ce_subject"] == b"passeports"
    decoded = APPOINTMENT_CODEC.decode(Record(key, value, headers))
    assert decoded.data == booked() and decoded.id == "b1.booked"
    with pytest.raises(PoisonMessage):
        APPOINTMENT_CODEC.decode(Record(key, b"{}", headers))


def test_appointment_events_have_published_schemas_and_an_asyncapi_channel() -> None:
    schema = json.loads(
        (contracts.ROOT / "events" / f"{AppointmentBooked.event_type}.schema.json").read_text()
    )
    jsonschema.validate(json.loads(booked().model_dump_json()), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(json.loads(booked().model_dump_json()) | {"extra": 1}, schema)
    document = json.loads((contracts.ROOT / "asyncapi.json").read_text())
    channel = document["channels"]["appointments"]
    assert channel["address"] == "relais.appointments.v1"
    names = {m.__name__ for m in APPOINTMENT_EVENT_MODELS.values()}
    assert set(channel["messages"]) == names
    assert "RequestAppointmentChanged" in document["channels"]["requests"]["messages"]
