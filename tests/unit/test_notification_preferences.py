"""The opt-out link of every message: a signed token, a French page, problem+json otherwise."""

from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.notification.context import NotificationContext
from services.notification.preferences import OptOutTokens, Preferences, point_id
from services.notification.rendering import environment
from services.notification.routes import router
from shared.http import create_app
from tests.fakes import InMemoryDatabase

TOKENS = OptOutTokens("a-test-secret-of-enough-length")


def _app() -> tuple[FastAPI, Preferences]:
    preferences = Preferences(db=InMemoryDatabase())  # type: ignore[arg-type]
    app = create_app(title="t", description="t")
    app.state.notification = NotificationContext(
        preferences=preferences, tokens=TOKENS, templates=environment(), town_name="Ville-Exemple"
    )
    app.include_router(router)
    return app, preferences


def test_tokens_name_one_contact_point_and_cannot_be_forged() -> None:
    point = point_id("email", "Camille@Example.org ")
    assert point == point_id("email", "camille@example.org")
    token = TOKENS.issue(point)
    assert TOKENS.read(token) == point
    assert OptOutTokens("another-secret-of-enough-length").read(token) is None
    assert TOKENS.read(token[:-2] + "xx") is None
    assert TOKENS.read(TOKENS.issue("not-a-point")) is None


async def test_the_page_opts_out_and_back_in() -> None:
    app, preferences = _app()
    point = point_id("sms", "+33612345678")
    token = TOKENS.issue(point)
    with TestClient(app) as http:
        page = http.get(f"/v1/preferences/{token}")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert '<html lang="fr">' in page.text and "Ne plus recevoir de messages" in page.text
        assert not (await preferences.of(point)).opted_out

        done = http.post(f"/v1/preferences/{token}", data={"List-Unsubscribe": "One-Click"})
        assert done.status_code == 200 and "C'est noté" in done.text
        assert (await preferences.of(point)).opted_out

        back = http.post(f"/v1/preferences/{token}", data={"action": "resume"})
        assert "de nouveau" in back.text
        assert not (await preferences.of(point)).opted_out


def test_a_bad_token_is_a_problem_document_in_french() -> None:
    app, _ = _app()
    with TestClient(app) as http:
        for answer in (
            http.get("/v1/preferences/nope"),
            http.post("/v1/preferences/nope.forged", data={"action": "opt_out"}),
        ):
            assert answer.status_code == 404
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.json()["detail"].startswith("Lien invalide")
