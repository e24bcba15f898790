"""CloudEvents binary-mode encoding on Kafka records."""

from dataclasses import dataclass
from typing import Any

import pytest

from shared.envelope import PoisonMessage, decode, encode
from tests.factories import envelope, submitted


@dataclass
class Record:
    key: bytes | None
    value: bytes | None
    headers: Any
    topic: str = "t"
    partition: int = 0
    offset: int = 0


def test_round_trip_keeps_every_attribute() -> None:
    original = envelope(correlation_id="corr-1", causation_id="cause-1")
    key, value, headers = encode(original)
    assert key == original.data.request_id.encode()
    names = dict(headers)
    assert names["ce_specversion"] == b"1.0"
    assert names["ce_subject"] == key
    decoded = decode(Record(key, value, headers))
    assert decoded == original


def test_a_record_without_correlation_id_correlates_to_itself() -> None:
    key, value, headers = encode(envelope())
    decoded = decode(Record(key, value, [h for h in headers if h[0] != "ce_correlationid"]))
    assert decoded.correlation_id == decoded.id


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda k, v, h: (k, v, [x for x in h if x[0] != "ce_type"]), "ce_type"),
        (lambda k, v, h: (k, b"{}", h), "invalid"),
        (lambda k, v, h: (b"other", v, h), "key does not match"),
        (
            lambda k, v, h: (k, v, [(n, b"x.y" if n == "ce_type" else b) for n, b in h]),
            "unknown event type",
        ),
        (lambda k, v, h: (k, v.replace(b'"portal"', b'"pigeon"'), h), "invalid"),
    ],
)
def test_undecodable_records_are_poison(mutate: Any, reason: str) -> None:
    key, value, headers = mutate(*encode(envelope(submitted())))
    with pytest.raises(PoisonMessage, match=reason):
        decode(Record(key, value, headers))
