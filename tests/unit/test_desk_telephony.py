"""Call events -> call state: idempotent, order-independent (pure logic)."""

import itertools
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from services.desk.scans import effective_type, mismatch, sniff
from services.desk.telephony import CallEvent, CallState, event_fields, request_fields

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _event(kind: str, second: int, **extra: object) -> CallEvent:
    return CallEvent.model_validate(
        {
            "event": kind,
            "call_id": "1712.42",
            "from": "06 12 34 56 78",
            "to": "+33140000000",
            "timestamp": T0.replace(second=second).isoformat(),
            **extra,
        }
    )


def _fold(events: list[CallEvent]) -> CallState:
    """What the call log does: the first event of each kind sets its fields."""
    seen: set[str] = set()
    doc: dict = {"_id": "1712.42"}
    for event in events:
        if event.key not in seen:
            seen.add(event.key)
            doc.update(event_fields(event))
    return CallState.from_document(doc)


def test_each_kind_sets_its_own_fields_and_the_numbers_in_e164() -> None:
    assert event_fields(_event("newCall", 0)) == {
        "started_at": T0,
        "from_number": "+33612345678",
        "to_number": "+33140000000",
    }
    answer = event_fields(_event("answer", 5, agent="poste-12"))
    assert answer["answered_at"] == T0.replace(second=5) and answer["agent"] == "poste-12"
    assert "agent" not in event_fields(_event("hangup", 9, agent="poste-12"))


def test_a_withheld_number_is_kept_as_unknown() -> None:
    assert "from_number" not in event_fields(_event("newCall", 0, **{"from": "anonymous"}))


def test_the_state_is_the_same_whatever_the_order_and_the_repeats() -> None:
    events = [_event("newCall", 0), _event("answer", 5), _event("hangup", 50)]
    states = {_fold([*order, order[0]]) for order in itertools.permutations(events)}
    assert len(states) == 1
    (state,) = states
    assert state.state == "ended" and state.duration_s == 45


def test_states_through_a_call() -> None:
    assert _fold([_event("newCall", 0)]).state == "ringing"
    assert _fold([_event("newCall", 0), _event("answer", 3)]).state == "answered"
    assert _fold([_event("newCall", 0), _event("hangup", 30)]).state == "missed"
    assert _fold([_event("newCall", 0), _event("hangup", 30)]).duration_s is None


def test_a_repeated_event_with_another_time_counts_once() -> None:
    state = _fold([_event("answer", 5), _event("answer", 40), _event("hangup", 50)])
    assert state.duration_s == 45


def test_request_fields_describe_the_call_without_the_numbers() -> None:
    fields = request_fields(_fold([_event("newCall", 0), _event("answer", 5)]))
    assert fields["call_state"] == "answered"
    assert fields["call_ended_at"] is None
    assert "+33612345678" not in fields.values()


@pytest.mark.parametrize(
    "payload",
    [
        {"event": "ring", "call_id": "c", "timestamp": T0.isoformat()},
        {"event": "newCall", "call_id": "", "timestamp": T0.isoformat()},
        {"event": "newCall", "call_id": "a b", "timestamp": T0.isoformat()},
        {"event": "newCall", "call_id": "c", "timestamp": "2026-03-02T09:00:00"},
    ],
)
def test_malformed_events_are_refused(payload: dict) -> None:
    with pytest.raises(ValidationError):
        CallEvent.model_validate(payload)


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (b"%PDF-1.7\n", "application/pdf"),
        (b"\xef\xbb\xbf\r\n%PDF-1.4", "application/pdf"),
        (b"\xff\xd8\xff\xe0JFIF", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n....", "image/png"),
        (b"II*\x00....", "image/tiff"),
        (b"MM\x00*....", "image/tiff"),
        (b"hello", None),
    ],
)
def test_scans_are_recognised_by_their_first_bytes(content: bytes, kind: str | None) -> None:
    assert sniff(content) == kind


def test_a_scan_type_comes_from_the_client_or_else_from_the_content() -> None:
    assert effective_type(declared="image/jpg", content=b"") == "image/jpeg"
    assert effective_type(declared="application/octet-stream", content=b"%PDF-1") == (
        "application/pdf"
    )
    assert effective_type(declared=None, content=b"zip") == "application/octet-stream"
    assert mismatch(filename="a.pdf", kind="application/pdf", content=b"%PDF-1") is None
    assert "ne correspond pas" in (
        mismatch(filename="a.pdf", kind="application/pdf", content=b"\x89PNG\r\n\x1a\n") or ""
    )
    assert "ni un PDF" in (mismatch(filename="a.pdf", kind="application/pdf", content=b"x") or "")
