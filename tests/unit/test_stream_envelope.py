"""Domain-stream records decode to their event, and anything else is poison for the DLQ."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.envelope import PoisonMessage, stream_codec
from shared.events.payments import PAYMENT_EVENT_MODELS, PaymentRefunded
from shared.outbox import encode_stream

REFUNDED = PaymentRefunded(
    invoice_id="inv-1",
    payment_id="pay-1",
    amount_cents=1250,
    actor="agent-1",
    refunded_at=datetime(2026, 12, 2, 9, 0, tzinfo=UTC),
)
decode = stream_codec(PAYMENT_EVENT_MODELS).decode


@dataclass
class Record:
    key: bytes | None
    value: bytes | None
    headers: Any
    topic: str = "relais.payments.v1"
    partition: int = 0
    offset: int = 0


def _record(**changes: Any) -> Record:
    key, value, headers = encode_stream(
        REFUNDED, source="/relais/payments", event_id="pay-1:refunded", correlation_id="c1"
    )
    return Record(**({"key": key, "value": value, "headers": headers} | changes))


def test_a_record_decodes_to_its_event_and_key() -> None:
    envelope = decode(_record())
    assert envelope.data == REFUNDED
    assert (envelope.id, envelope.key, envelope.correlation_id) == ("pay-1:refunded", "inv-1", "c1")
    assert envelope.type == "relais.payment.refunded.v1"


@pytest.mark.parametrize(
    "changes",
    [
        {"value": b"{}"},
        {"value": b"not json"},
        {"headers": [("ce_type", b"relais.payment.refunded.v1")]},
        {
            "headers": [
                (k, b"relais.unknown.v1" if k == "ce_type" else v)
                for k, v in encode_stream(REFUNDED, source="/s", event_id="x", correlation_id="")[2]
            ]
        },
    ],
)
def test_anything_else_is_poison(changes: dict[str, Any]) -> None:
    with pytest.raises(PoisonMessage):
        decode(_record(**changes))
