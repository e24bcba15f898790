"""CloudEvents binary mode for appointment events: like `shared.envelope`, keyed by agenda id.

Kept apart from the request envelope (whose key is the request id) until envelopes are
generic over their event type.
"""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pydantic import ValidationError

from shared.envelope import CONTENT_TYPE, SPEC_VERSION, KafkaRecord, PoisonMessage
from shared.events.appointments import APPOINTMENT_EVENT_MODELS, AppointmentEvent


@dataclass(frozen=True)
class AppointmentEnvelope:
    data: AppointmentEvent
    source: str
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    correlation_id: str = ""

    @property
    def type(self) -> str:
        return self.data.event_type

    @property
    def key(self) -> str:
        """Record key and subject: the agenda id (one partition per agenda, in order)."""
        return self.data.key


def encode_appointment(
    envelope: AppointmentEnvelope,
) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    headers = {
        "ce_specversion": SPEC_VERSION,
        "ce_id": envelope.id,
        "ce_type": envelope.type,
        "ce_source": envelope.source,
        "ce_time": envelope.time.isoformat(),
        "ce_subject": envelope.key,
        "content-type": CONTENT_TYPE,
        "ce_correlationid": envelope.correlation_id or envelope.id,
    }
    value = envelope.data.model_dump_json().encode()
    return envelope.key.encode(), value, [(k, v.encode()) for k, v in headers.items()]


def decode_appointment(record: KafkaRecord) -> AppointmentEnvelope:
    headers = {k: v.decode("utf-8", "replace") for k, v in (record.headers or ())}
    for required in ("ce_id", "ce_type", "ce_source", "ce_time"):
        if not headers.get(required):
            raise PoisonMessage(f"missing CloudEvents header {required}")
    model = APPOINTMENT_EVENT_MODELS.get(headers["ce_type"])
    if model is None:
        raise PoisonMessage(f"unknown event type {headers['ce_type']!r}")
    try:
        data = model.model_validate_json(record.value or b"")
        time = datetime.fromisoformat(headers["ce_time"])
    except (ValidationError, ValueError) as exc:
        raise PoisonMessage(f"invalid {headers['ce_type']} record") from exc
    return AppointmentEnvelope(
        data=data,
        source=headers["ce_source"],
        id=headers["ce_id"],
        time=time,
        correlation_id=headers.get("ce_correlationid", headers["ce_id"]),
    )
