"""Routing's API before anything is loaded: who may call what, and a clear 503 while starting."""

from fastapi.testclient import TestClient

from services.routing.app import build_app
from services.routing.settings import RoutingSettings
from shared.auth import DEV_SECRET, Agent, issue_token


def _bearer(roles: list[str]) -> dict[str, str]:
    agent = Agent(agent_id="a", name="A", department="accueil", roles=roles)
    return {"authorization": f"Bearer {issue_token(agent=agent, secret=DEV_SECRET)}"}


# No `with`: the lifespan does not run, so routing has not bootstrapped (no store, no broker).
CLIENT = TestClient(build_app(RoutingSettings()))
TEXT = {"description": "Lampadaire éteint"}


def test_explain_needs_an_agent_token() -> None:
    response = CLIENT.post("/v1/routing/explain", json=TEXT)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


def test_rules_models_and_what_if_need_the_admin_role() -> None:
    agent = _bearer([])
    for method, path, body in [
        ("POST", "/v1/routing/whatif", {}),
        ("GET", "/v1/routing/rules", None),
        ("POST", "/v1/routing/rules", {"rules": {}, "reason": "essai"}),
        ("POST", "/v1/routing/models", {"reason": "essai"}),
        ("POST", "/v1/routing/rules/rollback", {"reason": "essai"}),
    ]:
        response = CLIENT.request(method, path, json=body, headers=agent)
        assert response.status_code == 403, path
        assert "administrateur" in response.json()["detail"]


def test_while_routing_starts_calls_get_a_french_503() -> None:
    response = CLIENT.post("/v1/routing/explain", json=TEXT, headers=_bearer([]))
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert "démarre" in response.json()["detail"]
