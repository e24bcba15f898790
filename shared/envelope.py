"""CloudEvents 1.0 binary mode on Kafka: attributes in `ce_*` headers, JSON data in the value."""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, Protocol, TypeVar

from pydantic import ValidationError

from shared.events import EVENT_MODELS, Event

SPEC_VERSION = "1.0"
E = TypeVar("E", bound=Event)
F = TypeVar("F", bound=Event)
CONTENT_TYPE = "application/json"


class PoisonMessage(ValueError):
    """A record that can never be decoded; it goes straight to the dead-letter topic."""


class KafkaRecord(Protocol):
    key: bytes | None
    value: bytes | None
    headers: Any
    topic: str
    partition: int
    offset: int


@dataclass(frozen=True)
class Envelope(Generic[E]):
    """An event and its CloudEvents attributes (`Envelope[RequestRouted]`: a RequestRouted)."""

    data: E
    source: str
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    correlation_id: str = ""
    causation_id: str | None = None

    @property
    def type(self) -> str:
        return self.data.event_type

    @property
    def key(self) -> str:
        """Record key and CloudEvents subject: the request id (one writer per request)."""
        return self.data.request_id

    def caused(self, data: F, *, source: str, id: str | None = None) -> "Envelope[F]":
        """A follow-on event that keeps this one's correlation id."""
        return Envelope(
            data=data,
            source=source,
            id=id or str(uuid.uuid4()),
            correlation_id=self.correlation_id or self.id,
            causation_id=self.id,
        )


def encode(envelope: Envelope[Any]) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
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
    if envelope.causation_id:
        headers["ce_causationid"] = envelope.causation_id
    value = envelope.data.model_dump_json().encode()
    return envelope.key.encode(), value, [(k, v.encode()) for k, v in headers.items()]


def decode(record: KafkaRecord) -> Envelope[Event]:
    headers = {k: v.decode("utf-8", "replace") for k, v in (record.headers or ())}
    for required in ("ce_id", "ce_type", "ce_source", "ce_time"):
        if not headers.get(required):
            raise PoisonMessage(f"missing CloudEvents header {required}")
    model = EVENT_MODELS.get(headers["ce_type"])
    if model is None:
        raise PoisonMessage(f"unknown event type {headers['ce_type']!r}")
    try:
        data = model.model_validate_json(record.value or b"")
        time = datetime.fromisoformat(headers["ce_time"])
    except ValidationError as exc:
        raise PoisonMessage(f"invalid {headers['ce_type']} payload: {_summary(exc)}") from exc
    except ValueError as exc:
        raise PoisonMessage(f"invalid ce_time {headers['ce_time']!r}") from exc
    if record.key is not None and record.key.decode("utf-8", "replace") != data.request_id:
        raise PoisonMessage("record key does not match the request id")
    return Envelope(
        data=data,
        source=headers["ce_source"],
        id=headers["ce_id"],
        time=time,
        correlation_id=headers.get("ce_correlationid", headers["ce_id"]),
        causation_id=headers.get("ce_causationid"),
    )


def _summary(exc: ValidationError) -> str:
    """Which fields failed and why, without the input values (they may be personal data)."""
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'payload'}: {e['msg']}"
        for e in exc.errors(include_input=False, include_url=False)
    )
