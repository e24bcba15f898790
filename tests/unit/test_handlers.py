"""The handler registry and the dispatch of one partition's records (no Kafka)."""

from collections.abc import Sequence

import pytest

from shared.envelope import Envelope
from shared.events import RequestRouted, RequestStatus, RequestStatusChanged, RequestSubmitted
from shared.kafka.dead_letter import dead_letter_info
from shared.kafka.dispatch import event_type_of
from shared.kafka.handlers import Handlers
from tests.factories import envelope, routed_for, status_for, submitted
from tests.harness import Harness


async def test_bind_supplies_each_handler_only_the_dependencies_it_declares() -> None:
    handlers = Handlers()
    seen: list[tuple[str, object]] = []

    @handlers.handles(RequestSubmitted)
    async def on_submitted(envelope: Envelope[RequestSubmitted], *, store: list[str]) -> None:
        seen.append(("submitted", store))

    @handlers.handles(RequestRouted)
    async def on_routed(envelope: Envelope[RequestRouted], *, clock: int) -> None:
        seen.append(("routed", clock))

    bound = handlers.bind(store=["s"], clock=3)
    assert set(bound.event_types) == {RequestSubmitted, RequestRouted}
    await Harness(bound).feed(
        envelope(), (request := envelope()), envelope(routed_for(request.data))
    )
    assert seen == [("submitted", ["s"]), ("submitted", ["s"]), ("routed", 3)]
    with pytest.raises(TypeError, match="clock"):
        handlers.bind(store=["s"])
    with pytest.raises(TypeError, match="typo"):
        handlers.bind(store=["s"], clock=3, typo=1)


def test_an_event_type_has_one_handler() -> None:
    handlers = Handlers()

    async def one(envelope: Envelope[RequestSubmitted]) -> None: ...

    handlers.register(RequestSubmitted, one)
    with pytest.raises(ValueError, match="RequestSubmitted"):
        handlers.register_batch([RequestSubmitted], lambda envelopes: one(envelopes[0]))


async def test_a_batch_holds_consecutive_events_and_skipped_types_do_not_split_it() -> None:
    handlers = Handlers()
    batches: list[list[str]] = []
    singles: list[str] = []

    @handlers.handles_batch(RequestSubmitted)
    async def on_submitted(envelopes: Sequence[Envelope[RequestSubmitted]]) -> None:
        batches.append([e.id for e in envelopes])

    @handlers.handles(RequestStatusChanged)
    async def on_status(envelope: Envelope[RequestStatusChanged]) -> None:
        singles.append(envelope.id)

    a, b, c, d = (envelope() for _ in range(4))
    other = envelope(routed_for(a.data))  # no handler: skipped
    status = envelope(status_for(c.data, RequestStatus.IN_PROGRESS))
    harness = Harness(handlers)
    await harness.feed(a, other, b, status, c, d)

    assert batches == [[a.id, b.id], [c.id, d.id]]
    assert singles == [status.id]
    assert harness.committed == 6
    assert harness.dead_letters == []


async def test_a_failing_batch_is_retried_one_by_one_and_only_the_culprit_is_dead_lettered() -> (
    None
):
    handlers = Handlers()
    handled: list[str] = []
    bad = envelope(submitted(subject="poison"))

    @handlers.handles_batch(RequestSubmitted)
    async def on_submitted(envelopes: Sequence[Envelope[RequestSubmitted]]) -> None:
        if any(e.id == bad.id for e in envelopes):
            raise ValueError("cannot project")
        handled.extend(e.id for e in envelopes)

    good = [envelope() for _ in range(3)]
    harness = Harness(handlers)
    await harness.feed(good[0], bad, good[1], good[2])

    assert handled == [e.id for e in good]
    [dead] = harness.dead_letters
    info = dead_letter_info(dead.headers)
    assert info["dlq_error_type"] == "ValueError"
    assert info["dlq_attempts"] == "2"
    assert dict(dead.headers)["ce_id"] == bad.id.encode()
    assert harness.committed == 4


async def test_an_undecodable_record_goes_alone_to_the_dead_letters_labelled_with_its_type() -> (
    None
):
    handlers = Handlers()
    handled: list[str] = []

    @handlers.handles_batch(RequestSubmitted)
    async def on_submitted(envelopes: Sequence[Envelope[RequestSubmitted]]) -> None:
        handled.extend(e.id for e in envelopes)

    first, last = envelope(), envelope()
    harness = Harness(handlers)
    poison = harness.raw(
        key=b"k", value=b"{not json", headers=[("ce_type", b"relais.request.submitted.v1")]
    )
    await harness.feed(first, poison, last)

    assert handled == [first.id, last.id]
    assert len(harness.dead_letters) == 1
    assert event_type_of(poison) == "relais.request.submitted.v1"
    assert event_type_of(harness.raw(key=None, value=None, headers=[])) == "unknown"
    assert event_type_of(harness.raw(key=None, value=None, headers=[("ce_type", b"x")])) == (
        "unknown"
    )


async def test_transient_failures_are_retried_until_they_pass() -> None:
    handlers = Handlers()
    attempts: list[int] = []

    @handlers.handles_batch(RequestSubmitted)
    async def on_submitted(envelopes: Sequence[Envelope[RequestSubmitted]]) -> None:
        attempts.append(len(envelopes))
        if len(attempts) < 6:  # more than max_attempts: transient failures are not counted
            raise ConnectionRefusedError("store down")

    harness = Harness(handlers)
    await harness.feed(envelope(), envelope())
    assert attempts == [2] * 6
    assert harness.dead_letters == []
