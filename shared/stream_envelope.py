"""CloudEvents binary mode for the events of a domain stream (documents, payments, billing),
as `shared.outbox.encode_stream` writes them: the record key is the event's own key."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Generic, TypeVar

from pydantic import ValidationError

from shared.envelope import KafkaRecord, PoisonMessage
from shared.events.stream import StreamEvent

S = TypeVar("S", bound=StreamEvent)


@dataclass(frozen=True)
class StreamEnvelope(Generic[S]):
    data: S
    source: str
    id: str
    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    correlation_id: str = ""

    @property
    def type(self) -> str:
        return self.data.event_type

    @property
    def key(self) -> str:
        return self.data.key


def stream_decoder(
    models: Mapping[str, type[StreamEvent]],
) -> Callable[[KafkaRecord], StreamEnvelope[StreamEvent]]:
    """A consumer's decoder for a stream whose event types are `models` (by `ce_type`)."""

    def decode(record: KafkaRecord) -> StreamEnvelope[StreamEvent]:
        headers = {k: v.decode("utf-8", "replace") for k, v in (record.headers or ())}
        for required in ("ce_id", "ce_type", "ce_source", "ce_time"):
            if not headers.get(required):
                raise PoisonMessage(f"missing CloudEvents header {required}")
        model = models.get(headers["ce_type"])
        if model is None:
            raise PoisonMessage(f"unknown event type {headers['ce_type']!r}")
        try:
            data = model.model_validate_json(record.value or b"")
            time = datetime.fromisoformat(headers["ce_time"])
        except (ValidationError, ValueError) as exc:
            raise PoisonMessage(f"invalid {headers['ce_type']} record") from exc
        return StreamEnvelope(
            data=data,
            source=headers["ce_source"],
            id=headers["ce_id"],
            time=time,
            correlation_id=headers.get("ce_correlationid", headers["ce_id"]),
        )

    return decode
