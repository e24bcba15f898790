"""Routing's handler through the harness: decisions published for a batch, no Kafka, no store."""

import asyncio

from services.routing.handlers import handlers
from services.routing.settings import RoutingSettings
from shared.catalogue import load_catalogue
from shared.events import RequestRouted
from tests.factories import envelope, routed_for, submitted
from tests.fakes import InMemoryPublisher
from tests.harness import Harness


def _harness() -> Harness:
    publisher = InMemoryPublisher()
    bound = handlers.bind(
        publisher=publisher, catalogue=load_catalogue(), settings=RoutingSettings()
    )
    return Harness(bound, publisher=publisher, group="routing")


async def test_each_new_request_of_a_batch_gets_one_decision() -> None:
    harness = _harness()
    requests = [envelope(submitted(category="etat_civil")) for _ in range(3)]
    others = [envelope(routed_for(r.data)) for r in requests]  # routing ignores its own output
    await harness.feed(requests[0], others[0], requests[1], requests[2], *others[1:])

    decisions = harness.publisher.of_type(RequestRouted)
    assert [d.causation_id for d in decisions] == [r.id for r in requests]
    assert {d.data.department.code for d in decisions} == {"etat_civil"}
    assert [d.key for d in decisions] == [r.key for r in requests]
    assert harness.committed == 6


async def test_a_redelivered_batch_republishes_the_same_decision_ids() -> None:
    harness = _harness()
    requests = [envelope() for _ in range(2)]
    await harness.feed(*requests)
    await harness.feed(*requests)
    ids = [d.id for d in harness.publisher.of_type(RequestRouted)]
    assert len(ids) == 4
    assert ids[:2] == ids[2:]


async def test_decisions_wait_for_the_broker_and_nothing_is_dead_lettered() -> None:
    harness = _harness()
    harness.publisher.down = True
    requests = [envelope() for _ in range(3)]
    feeding = asyncio.create_task(harness.feed(*requests))
    await asyncio.sleep(0.05)
    assert not feeding.done()
    harness.publisher.down = False
    await asyncio.wait_for(feeding, timeout=5)
    assert len(harness.publisher.of_type(RequestRouted)) == 3
    assert harness.dead_letters == []
