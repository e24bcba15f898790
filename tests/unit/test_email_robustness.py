"""Damaged mail (truncated, bytes flipped) is read as far as possible or called malformed;
reading, classifying and bounce analysis never raise anything else."""

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.email_adapter.bounces import read_bounce
from services.email_adapter.classify import classify
from services.email_adapter.parsing import MalformedEmail, parse_message, read_message

CORPUS = sorted((Path(__file__).parents[1] / "data" / "emails").glob("*.eml"))
SAMPLES = [path.read_bytes() for path in CORPUS]


def _read_everything(raw: bytes) -> None:
    try:
        message = read_message(raw)
    except MalformedEmail:
        return
    classify(message, mail_from=None, domains=frozenset({"ville.example"}))
    parse_message(message, envelope_sender="x@example.org")
    read_bounce(message)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sample=st.sampled_from(SAMPLES),
    cut=st.floats(min_value=0, max_value=1),
    flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=8),
)
def test_damaged_corpus_mail_never_crashes_the_reader(
    sample: bytes, cut: float, flips: list[tuple[float, int]]
) -> None:
    damaged = bytearray(sample[: max(1, int(len(sample) * cut))])
    for where, value in flips:
        damaged[min(len(damaged) - 1, int(where * len(damaged)))] = value
    _read_everything(bytes(damaged))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_crash_the_reader(raw: bytes) -> None:
    _read_everything(raw)
