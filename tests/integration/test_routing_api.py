"""Routing as a service: real Kafka, real store, real HTTP (explain, what-if, rules, models)."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from services.routing.app import build_app
from services.routing.context import Routing
from services.routing.examples import load_seed
from services.routing.settings import RoutingSettings
from services.routing.store import Store
from shared.auth import DEV_SECRET, Agent, issue_token
from shared.catalogue import load_catalogue
from shared.envelope import Envelope
from shared.events import Department, RequestRouted, RequestSubmitted, RequestTransferred
from shared.kafka.producer import EventPublisher
from shared.kafka.topics import REQUESTS, provision_topics
from shared.mongo import connect
from tests.conftest import KAFKA, MONGODB_URI, namespaced
from tests.factories import submitted
from tests.support import eventually, published, serve_app


def _auth(roles: list[str]) -> dict[str, str]:
    agent = Agent(agent_id="claire-admin", name="Claire", department="accueil", roles=roles)
    return {"authorization": f"Bearer {issue_token(agent=agent, secret=DEV_SECRET)}"}


AGENT, ADMIN = _auth([]), _auth(["admin"])
LAMPS = {"description": "Plusieurs lampadaires sont éteints allée des Tilleuls"}


@dataclass
class Running:
    http: httpx.AsyncClient
    publisher: EventPublisher
    topic: str
    db: Any

    async def submit(self, **fields: Any) -> RequestSubmitted:
        request = submitted(category=None, subject=None, **fields)
        await self.publisher.publish(Envelope(data=request, source="/relais/tests"))
        return request

    async def routed(self, request_ids: set[str]) -> dict[str, RequestRouted]:
        found: dict[str, RequestRouted] = {}

        async def all_routed() -> bool:
            for envelope in await published(KAFKA, self.topic):
                if isinstance(envelope.data, RequestRouted):
                    found[envelope.data.request_id] = envelope.data
            return request_ids <= found.keys()

        await eventually(all_routed, timeout=60, interval=0.5)
        return {k: v for k, v in found.items() if k in request_ids}


@pytest.fixture(scope="module")
async def routing() -> AsyncIterator[Running]:
    prefix = f"t{uuid.uuid4().hex[:10]}."
    await provision_topics(bootstrap_servers=KAFKA, prefix=prefix)
    settings = RoutingSettings(**namespaced(prefix, "routing"))
    database = settings.database_name
    publisher = EventPublisher(bootstrap_servers=KAFKA, topic=prefix + REQUESTS)
    await publisher.start()
    client = connect(uri=MONGODB_URI)
    try:
        async with (
            serve_app(build_app(settings)) as url,
            httpx.AsyncClient(base_url=url, timeout=60) as http,
        ):

            async def ready() -> bool:  # the first model is trained at start-up
                return (await http.get("/readyz")).status_code == 200

            await eventually(ready, timeout=180, interval=0.5)
            yield Running(http, publisher, prefix + REQUESTS, client[database])
    finally:
        await publisher.stop()
        await client.drop_database(database)
        await client.close()


async def test_explain_needs_an_agent_and_publishes_nothing(routing: Running) -> None:
    assert (await routing.http.post("/v1/routing/explain", json=LAMPS)).status_code == 401
    before = len(await published(KAFKA, routing.topic))
    response = await routing.http.post("/v1/routing/explain", json=LAMPS, headers=AGENT)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["department"], body["category"], body["triage"]) == (
        "services_techniques",
        "eclairage",
        False,
    )
    assert body["rule"] == f"model:v{body['model_version']}" and len(body["suggestions"]) == 3
    assert "lampadaires" in body["explanation"]
    assert len(await published(KAFKA, routing.topic)) == before


async def test_bad_explain_input_is_a_french_problem(routing: Running) -> None:
    response = await routing.http.post("/v1/routing/explain", json={"x": 1}, headers=AGENT)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_requests_without_category_are_routed_with_versions_and_scores(
    routing: Running,
) -> None:
    bill = await routing.submit(description="Ma facture de cantine de janvier est erronée")
    hall = await routing.submit(description="Comment réserver la salle des fêtes ?")
    routed = await routing.routed({bill.request_id, hall.request_id})
    assert routed[bill.request_id].department.code == "finances"
    assert routed[hall.request_id].department.code == "sport_associations"
    event = routed[bill.request_id]
    assert event.model_version and event.rules_version and event.confidence
    assert [s.department.code for s in event.suggestions][:1] == ["finances"]
    stored = await routing.db.decisions.find_one({"_id": bill.request_id})
    assert stored["department"] == "finances" and "cantine" in stored["text"]


async def test_rules_are_for_admins_validated_hot_reloaded_and_rolled_back(
    routing: Running,
) -> None:
    strict = {"rules": {"threshold": 0.99}, "reason": "Tout passe par l'accueil"}
    assert (
        await routing.http.post("/v1/routing/rules", json=strict, headers=AGENT)
    ).status_code == 403
    invalid = {"rules": {"form_types": {"x": "licornes"}}, "reason": "essai"}
    refused = await routing.http.post("/v1/routing/rules", json=invalid, headers=ADMIN)
    assert refused.status_code == 422 and "licornes" in refused.json()["errors"][0]
    out_of_range = {"rules": {"threshold": 2}, "reason": "essai"}
    assert (
        await routing.http.post("/v1/routing/rules", json=out_of_range, headers=ADMIN)
    ).status_code == 422
    changed = await routing.http.post("/v1/routing/rules", json=strict, headers=ADMIN)
    assert changed.status_code == 201, changed.text
    new_version = changed.json()["active"]
    assert changed.json()["versions"][0]["actor"] == "claire-admin"

    after = (await routing.http.post("/v1/routing/explain", json=LAMPS, headers=AGENT)).json()
    assert after["triage"] and after["department"] == "accueil"  # no restart
    assert after["rules_version"] == new_version

    back = await routing.http.post(
        "/v1/routing/rules/rollback", json={"reason": "Trop strict"}, headers=ADMIN
    )
    assert back.status_code == 200 and back.json()["active"] == new_version - 1
    assert back.json()["activations"][0]["rollback"] is True
    again = (await routing.http.post("/v1/routing/explain", json=LAMPS, headers=AGENT)).json()
    assert not again["triage"] and again["department"] == "services_techniques"


async def test_the_first_version_cannot_be_rolled_back(routing: Running) -> None:
    response = await routing.http.post(
        "/v1/routing/models/rollback", json={"reason": "essai"}, headers=ADMIN
    )
    assert response.status_code == 409


async def test_what_if_reports_how_many_would_move_and_where(routing: Running) -> None:
    lamp = await routing.submit(description="Le lampadaire de ma rue ne s'allume plus")
    await routing.routed({lamp.request_id})
    body = {"rules": {"threshold": 0.99}, "last": 50}
    response = await routing.http.post("/v1/routing/whatif", json=body, headers=ADMIN)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["replayed"] >= 1 and result["changed"] >= 1
    assert result["rules_version"] is None
    moves = {(m["from_department"], m["to_department"]): m["count"] for m in result["moves"]}
    assert moves[("services_techniques", "accueil")] >= 1
    assert sum(moves.values()) == result["changed"]
    assert (
        await routing.http.post("/v1/routing/whatif", json=body, headers=AGENT)
    ).status_code == 403


BULKY = ["un vieux canapé", "un matelas", "une armoire cassée", "un frigo", "une machine à laver",
         "des meubles", "un sommier", "une gazinière", "un buffet", "des chaises"]  # fmt: skip
PLACES = ["devant le 3 rue Haute", "au coin de l'avenue Foch", "sur le trottoir rue des Lilas"]


async def test_agents_transfers_move_later_requests_after_retraining(routing: Running) -> None:
    """The town decides bulky items are the technical services' job and says so by transfers."""
    later = {"description": "Encombrants : une table et un lit à ramasser devant le 8 rue Basse"}
    other = {"description": "Ma poubelle n'a pas été ramassée ce matin"}
    before = (await routing.http.post("/v1/routing/explain", json=later, headers=AGENT)).json()
    assert before["department"] == "proprete"

    requests = [
        await routing.submit(description=f"Encombrants : {thing} à ramasser {place}")
        for thing in BULKY
        for place in PLACES
    ]
    routed = await routing.routed({r.request_id for r in requests})
    for request in requests:
        transfer = RequestTransferred(
            request_id=request.request_id,
            reference=request.reference,
            from_department=routed[request.request_id].department,
            to_department=Department(code="services_techniques", label="Services techniques"),
            category=routed[request.request_id].category,
            reason="Les encombrants sont enlevés par la régie technique.",
            actor="julie-moreau",
            transferred_at=datetime.now(UTC),
        )
        await routing.publisher.publish(Envelope(data=transfer, source="/relais/tests"))

    async def labelled() -> bool:
        query = {"label.department": "services_techniques"}
        return await routing.db.decisions.count_documents(query) == len(requests)

    await eventually(labelled, timeout=60, interval=0.5)
    trained = await routing.http.post(
        "/v1/routing/models", json={"reason": "Transferts des encombrants"}, headers=ADMIN
    )
    assert trained.status_code == 201, trained.text
    outcome = trained.json()
    assert outcome["labels"] == len(requests) and outcome["activated"] is True
    assert outcome["held_out_accuracy"] >= outcome["active_accuracy"]

    after = (await routing.http.post("/v1/routing/explain", json=later, headers=AGENT)).json()
    assert after["department"] == "services_techniques"
    assert after["model_version"] == outcome["version"]
    replay = await routing.http.post("/v1/routing/whatif", json={"last": 1000}, headers=ADMIN)
    replayed = replay.json()  # the new model, replayed over the transferred requests
    assert replayed["labelled"] == len(requests)
    assert replayed["right_before"] <= 0.2 * len(requests)
    assert replayed["right_after"] >= 0.9 * len(requests)
    unrelated = (await routing.http.post("/v1/routing/explain", json=other, headers=AGENT)).json()
    assert unrelated["department"] == "proprete"  # only that kind of request moved

    models = (await routing.http.get("/v1/routing/models", headers=ADMIN)).json()
    assert models["active"] == outcome["version"]
    back = await routing.http.post(
        "/v1/routing/models/rollback", json={"reason": "Retour arrière"}, headers=ADMIN
    )
    assert back.json()["active"] == outcome["version"] - 1
    restored = (await routing.http.post("/v1/routing/explain", json=later, headers=AGENT)).json()
    assert restored["department"] == "proprete"


async def test_a_redelivered_request_republishes_the_same_decision(routing: Running) -> None:
    request = submitted(category="etat_civil", subject=None, description="Acte de naissance")
    envelope = Envelope(data=request, source="/relais/tests")
    await routing.publisher.publish(envelope)
    await routing.routed({request.request_id})
    await routing.publisher.publish(envelope)  # the same event again (a retried delivery)

    async def twice() -> bool:
        events = [
            e
            for e in await published(KAFKA, routing.topic)
            if isinstance(e.data, RequestRouted) and e.data.request_id == request.request_id
        ]
        return (
            len(events) == 2 and events[0].id == events[1].id and events[0].data == events[1].data
        )

    await eventually(twice, timeout=60, interval=0.5)
    assert await routing.db.decisions.count_documents({"_id": request.request_id}) == 1
    stored = await routing.db.decisions.find_one({"_id": request.request_id})
    assert stored["routed"]["rule"] == "category:etat_civil"


async def test_another_replica_applies_an_activation_without_restart(routing: Running) -> None:
    """A second routing process on the same store sees the new rules at its next check."""
    settings = RoutingSettings(mongodb_uri=MONGODB_URI, reload_interval_s=0)
    catalogue = load_catalogue()
    replica = Routing(
        settings=settings,
        catalogue=catalogue,
        store=Store(routing.db),
        publisher=routing.publisher,
        seed=load_seed(catalogue),
    )
    before = (await replica.router()).rules_version
    change = {"rules": {"threshold": 0.5}, "reason": "Seuil relevé"}
    changed = await routing.http.post("/v1/routing/rules", json=change, headers=ADMIN)
    assert changed.status_code == 201
    current = await replica.router()
    assert current.rules_version == changed.json()["active"] != before
    assert current.rules.threshold == 0.5
    await routing.http.post("/v1/routing/rules/rollback", json={"reason": "essai"}, headers=ADMIN)
    assert (await replica.router()).rules_version == before


async def test_a_worse_model_is_stored_but_not_activated(routing: Running) -> None:
    active = (await routing.http.get("/v1/routing/models", headers=ADMIN)).json()["active"]
    weak = {"reason": "Régularisation excessive", "params": {"c": 0.001}}
    trained = await routing.http.post("/v1/routing/models", json=weak, headers=ADMIN)
    assert trained.status_code == 201, trained.text
    outcome = trained.json()
    assert outcome["activated"] is False
    assert outcome["held_out_accuracy"] < outcome["active_accuracy"]
    models = (await routing.http.get("/v1/routing/models", headers=ADMIN)).json()
    assert models["active"] == active
    stored = next(v for v in models["versions"] if v["version"] == outcome["version"])
    assert stored["active"] is False and stored["metrics"]["activated"] is False
    # Still replayable: what would this version change over the latest requests?
    replay = await routing.http.post(
        "/v1/routing/whatif", json={"model_version": outcome["version"]}, headers=ADMIN
    )
    assert replay.status_code == 200 and replay.json()["model_version"] == outcome["version"]
    unknown = await routing.http.post(
        "/v1/routing/whatif", json={"model_version": 999}, headers=ADMIN
    )
    assert unknown.status_code == 404
