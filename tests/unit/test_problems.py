"""Every refusal is a French problem document."""

from typing import Literal

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from shared.errors import BrokerUnavailable
from shared.http import create_app


class Body(BaseModel):
    level: Literal["CP", "CE1"]
    name: str = Field(min_length=2)


def _app() -> FastAPI:
    app = create_app(title="t", description="d", max_body_bytes=100)

    @app.post("/things")
    async def things(body: Body) -> dict[str, str]:
        return {"ok": body.name}

    @app.get("/down")
    async def down() -> None:
        raise BrokerUnavailable("no broker")

    return app


def test_validation_errors_are_french_field_by_field() -> None:
    response = TestClient(_app()).post("/things", json={"level": "CM2", "name": "x"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert errors["level"] == "Valeur non autorisée ; valeurs possibles : 'CP' ou 'CE1'."
    assert errors["name"] == "Ce champ doit contenir au moins 2 caractère(s)."


def test_broken_json_names_the_body() -> None:
    response = TestClient(_app()).post(
        "/things", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body"


def test_oversized_bodies_are_refused_from_their_declared_length() -> None:
    response = TestClient(_app()).post(
        "/things", content=b"x" * 101, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert "100 octets" in response.json()["detail"]


def test_a_broker_outage_is_a_503_to_retry_and_unknown_paths_are_french() -> None:
    client = TestClient(_app())
    down = client.get("/down")
    assert down.status_code == 503 and down.headers["retry-after"] == "5"
    assert "réessayez" in down.json()["detail"]
    missing = client.get("/nowhere")
    assert missing.status_code == 404 and missing.json()["detail"] == "Ressource introuvable."
