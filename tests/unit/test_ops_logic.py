"""Pure parts of the operators' tools: drain bookkeeping, replay headers, offset plans."""

import pytest

from shared.ops.deadletters import DeadLetter
from shared.ops.drain import MAX_METADATA_CHARS, DrainState
from shared.ops.errors import OpsError
from shared.ops.redrive import REPLAYED_FROM, replay_headers, requested_offsets, unreplayable_reason
from tools.ops.replay import OffsetChange, ResetPlan


def letter(headers: list[tuple[str, bytes]], offset: int = 7) -> DeadLetter:
    return DeadLetter(offset=offset, key=b"k", value=b"v", headers=tuple(headers), drained=False)


def test_drained_offsets_advance_the_watermark_over_contiguous_runs_only() -> None:
    state = DrainState().with_drained([1, 3])
    assert (state.watermark, state.above) == (0, frozenset({1, 3}))
    state = state.with_drained([0])
    assert (state.watermark, state.above) == (2, frozenset({3}))
    assert [o for o in range(5) if state.is_drained(o)] == [0, 1, 3]
    assert state.with_drained([2]) == DrainState(4)


def test_records_deleted_by_retention_count_as_drained() -> None:
    assert DrainState().with_drained([5], log_start=5) == DrainState(6)


def test_state_round_trips_through_commit_metadata() -> None:
    state = DrainState(4, frozenset({9, 6}))
    assert state.metadata() == "6,9"
    assert DrainState.parse(offset=4, metadata="6,9") == state
    assert DrainState.parse(offset=None, metadata=None) == DrainState()
    assert DrainState.parse(offset=-1, metadata="") == DrainState()
    assert DrainState.parse(offset=8, metadata="6,9") == DrainState(8, frozenset({9}))


def test_too_many_scattered_offsets_ask_for_all() -> None:
    state = DrainState().with_drained(range(1, 2 * MAX_METADATA_CHARS, 2))
    with pytest.raises(OpsError, match="--all"):
        state.metadata()


def test_replay_headers_drop_dead_letter_headers_and_say_where_from() -> None:
    original = [("ce_id", b"e1"), ("ce_type", b"t"), (REPLAYED_FROM, b"old:1")]
    dead = letter([*original, ("dlq_error", b"boom"), ("dlq_original_topic", b"x")])
    assert replay_headers(dead, dlq_topic="p.relais.dlq.tracking") == [
        ("ce_id", b"e1"),
        ("ce_type", b"t"),
        (REPLAYED_FROM, b"p.relais.dlq.tracking:7"),
    ]


def test_only_relais_topics_under_the_prefix_are_replay_targets() -> None:
    def reason(topic: bytes) -> str | None:
        return unreplayable_reason(letter([("dlq_original_topic", topic)]), prefix="p.")

    assert reason(b"p.relais.requests.v1") is None
    assert "not a Relais topic" in (reason(b"relais.requests.v1") or "")
    assert "not a Relais topic" in (reason(b"p.relais.dlq.tracking") or "")
    assert unreplayable_reason(letter([]), prefix="p.") == "no dlq_original_topic header"


def test_requested_offsets_must_exist() -> None:
    assert requested_offsets([], replay_all=True, begin=2, end=5) == [2, 3, 4]
    assert requested_offsets([4, 3, 4], replay_all=False, begin=2, end=5) == [3, 4]
    with pytest.raises(OpsError, match=r"offset\(s\) \[1, 5\]: the topic holds offsets 2..4"):
        requested_offsets([1, 3, 5], replay_all=False, begin=2, end=5)
    with pytest.raises(OpsError, match="either"):
        requested_offsets([3], replay_all=True, begin=2, end=5)


def test_plan_counts_events_handled_again_and_skipped() -> None:
    changes = [
        OffsetChange(partition=0, old=10, new=0, earliest=0),
        OffsetChange(partition=1, old=None, new=3, earliest=1),
        OffsetChange(partition=2, old=4, new=4, earliest=0),
    ]
    plan = ResetPlan("g", "t", changes, "Empty", 0)
    assert [c.delta for c in changes] == [10, -2, 0]
    assert (plan.replayed, plan.skipped) == (10, 2)
