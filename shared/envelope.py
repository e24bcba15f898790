"""CloudEvents 1.0 binary mode on Kafka: attributes in `ce_*` headers, JSON data in the value.

One encoding for every topic: an event names its type (`event_type`) and its record key
(`key`: the request id, the agenda id, the document id...); a topic's `Codec` decodes the
event types it carries.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar

from pydantic import ValidationError

from shared.events import APPOINTMENT_EVENT_MODELS, EVENT_MODELS, AppointmentEvent, Event
from shared.events.stream import StreamEvent

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"
Record = tuple[bytes, bytes, list[tuple[str, bytes]]]


class Keyed(Protocol):
    """What an envelope carries: an event contract that names its type and record key."""

    event_type: ClassVar[str]

    @property
    def key(self) -> str: ...

    def model_dump_json(self) -> str: ...

    @classmethod
    def model_validate_json(cls, json_data: bytes) -> Self: ...


E = TypeVar("E", bound=Keyed)
F = TypeVar("F", bound=Keyed)


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
        """Record key and CloudEvents subject (one partition per key, in order)."""
        return self.data.key

    def caused(self, data: F, *, source: str, id: str | None = None) -> "Envelope[F]":
        """A follow-on event that keeps this one's correlation id."""
        return Envelope(
            data=data,
            source=source,
            id=id or str(uuid.uuid4()),
            correlation_id=self.correlation_id or self.id,
            causation_id=self.id,
        )


def encode(envelope: Envelope[Any]) -> Record:
    """The record of any envelope: key, JSON value, `ce_*` headers."""
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


@dataclass(frozen=True)
class Codec(Generic[E]):
    """The events of one topic: its registry of event types by CloudEvents type and whether
    a record's key must be its event's key."""

    models: Mapping[str, type[E]]
    check_key: bool = True

    def decode(self, record: KafkaRecord) -> Envelope[E]:
        headers = {k: v.decode("utf-8", "replace") for k, v in (record.headers or ())}
        for required in ("ce_id", "ce_type", "ce_source", "ce_time"):
            if not headers.get(required):
                raise PoisonMessage(f"missing CloudEvents header {required}")
        model = self.models.get(headers["ce_type"])
        if model is None:
            raise PoisonMessage(f"unknown event type {headers['ce_type']!r}")
        try:
            data = model.model_validate_json(record.value or b"")
            time = datetime.fromisoformat(headers["ce_time"])
        except ValidationError as exc:
            raise PoisonMessage(f"invalid {headers['ce_type']} payload: {_summary(exc)}") from exc
        except ValueError as exc:
            raise PoisonMessage(f"invalid ce_time {headers['ce_time']!r}") from exc
        key = record.key.decode("utf-8", "replace") if record.key is not None else data.key
        if self.check_key and key != data.key:
            raise PoisonMessage("record key does not match the event's key")
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


REQUEST_CODEC = Codec[Event](EVENT_MODELS)
APPOINTMENT_CODEC = Codec[AppointmentEvent](APPOINTMENT_EVENT_MODELS, check_key=False)
decode = REQUEST_CODEC.decode


def stream_codec(models: Mapping[str, type[StreamEvent]]) -> "Codec[StreamEvent]":
    """A domain stream's codec (documents, payments, billing): keyed by the event's own key."""
    return Codec[StreamEvent](models, check_key=False)
