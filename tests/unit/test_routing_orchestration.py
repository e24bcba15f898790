"""Routing's handlers through the harness: batches decided, recorded and published; no Kafka."""

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from services.routing.context import Routing
from services.routing.examples import load_seed
from services.routing.handlers import handlers
from services.routing.settings import RoutingSettings
from shared.events import Department, RequestRouted, RequestTransferred
from shared.mongo import Document
from tests.factories import envelope, routed_for, submitted
from tests.fakes import InMemoryPublisher
from tests.harness import Harness
from tests.routing_support import CATALOGUE, seed_router


@dataclass
class InMemoryDecisions:
    """The part of routing's store the handlers use."""

    docs: dict[str, Document] = field(default_factory=dict)

    async def decisions(self, request_ids: list[str]) -> dict[str, Document]:
        return {i: self.docs[i] for i in request_ids if i in self.docs}

    async def record_decisions(self, docs: list[Document]) -> None:
        for doc in docs:
            self.docs.setdefault(doc["_id"], doc)

    async def record_label(self, request_id: str, label: Document) -> bool:
        if request_id not in self.docs:
            return False
        self.docs[request_id]["label"] = label
        return True


def _harness() -> tuple[Harness, InMemoryDecisions]:
    publisher, store = InMemoryPublisher(), InMemoryDecisions()
    routing = Routing(
        settings=RoutingSettings(reload_interval_s=1e9),  # the versions given below stay
        catalogue=CATALOGUE,
        store=store,  # type: ignore[arg-type]
        publisher=publisher,  # type: ignore[arg-type]
        seed=load_seed(CATALOGUE),
        _router=seed_router(),
    )
    return Harness(handlers.bind(routing=routing), publisher=publisher, group="routing"), store


def _text(description: str) -> Any:
    return envelope(submitted(category=None, subject=None, description=description))


async def test_each_new_request_of_a_batch_gets_one_decision() -> None:
    harness, store = _harness()
    requests = [
        _text("Ma facture de cantine de janvier est erronée"),
        _text("Comment réserver la salle des fêtes ?"),
        envelope(submitted(category="etat_civil")),
    ]
    others = [envelope(routed_for(r.data)) for r in requests]  # routing ignores its own output
    await harness.feed(requests[0], others[0], requests[1], requests[2], *others[1:])

    decisions = harness.publisher.of_type(RequestRouted)
    assert [d.causation_id for d in decisions] == [r.id for r in requests]
    assert [d.data.department.code for d in decisions] == [
        "finances",
        "sport_associations",
        "etat_civil",
    ]
    assert [d.key for d in decisions] == [r.key for r in requests]
    assert decisions[0].data.model_version == 1 and decisions[0].data.suggestions
    assert set(store.docs) == {r.data.request_id for r in requests}
    assert harness.committed == 6


async def test_a_redelivered_batch_republishes_the_recorded_decisions() -> None:
    harness, store = _harness()
    requests = [_text("lampadaire éteint rue Haute"), envelope()]
    await harness.feed(*requests)
    first = harness.publisher.of_type(RequestRouted)
    await harness.feed(*requests)
    again = harness.publisher.of_type(RequestRouted)[2:]
    assert [e.id for e in again] == [e.id for e in first]
    assert [e.data for e in again] == [e.data for e in first]  # even routed_at: not re-decided
    assert len(store.docs) == 2


async def test_decisions_wait_for_the_broker_and_nothing_is_dead_lettered() -> None:
    harness, _ = _harness()
    harness.publisher.down = True
    requests = [envelope() for _ in range(3)]
    feeding = asyncio.create_task(harness.feed(*requests))
    await asyncio.sleep(0.05)
    assert not feeding.done()
    harness.publisher.down = False
    await asyncio.wait_for(feeding, timeout=5)
    assert len(harness.publisher.of_type(RequestRouted)) == 3
    assert harness.dead_letters == []


async def test_a_transfer_becomes_the_label_of_the_recorded_decision() -> None:
    harness, store = _harness()
    request = _text("encombrants à ramasser devant chez moi")
    await harness.feed(request)
    transfer = RequestTransferred(
        request_id=request.data.request_id,
        reference=request.data.reference,
        from_department=Department(code="proprete", label="Propreté urbaine"),
        to_department=Department(code="services_techniques", label="Services techniques"),
        category="collecte_dechets",
        reason="Régie technique",
        actor="julie-moreau",
        transferred_at=datetime.now(UTC),
    )
    await harness.feed(envelope(transfer))
    label = store.docs[request.data.request_id]["label"]
    assert (label["department"], label["from"]) == ("services_techniques", "proprete")
    assert harness.dead_letters == []
