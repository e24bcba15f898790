"""The console's OpenID Connect login against a small provider of our own, over real HTTP:
authorization code with PKCE (S256), state checked, claims turned into the agent's session."""

import base64
import hashlib
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from fastapi import FastAPI, Form, Request
from fastapi.responses import RedirectResponse

from services.console.app import build_app
from services.console.settings import ConsoleSettings
from services.console.upstream import Upstream
from tests.support import serve_app


def provider() -> FastAPI:
    """Issues one code per login; the token endpoint checks the PKCE verifier."""
    app = FastAPI()
    pending: dict[str, str] = {}

    @app.get("/.well-known/openid-configuration")
    async def metadata(request: Request) -> dict[str, Any]:
        base = str(request.base_url).rstrip("/")
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "userinfo_endpoint": f"{base}/userinfo",
            "code_challenge_methods_supported": ["S256"],
        }

    @app.get("/authorize")
    async def authorize(request: Request) -> RedirectResponse:
        query = request.query_params
        assert query["code_challenge_method"] == "S256"
        pending["code-1"] = query["code_challenge"]
        target = f"{query['redirect_uri']}?code=code-1&state={query['state']}"
        return RedirectResponse(target, status_code=302)

    @app.post("/token")
    async def token(code: str = Form(), code_verifier: str = Form()) -> dict[str, Any]:
        digest = hashlib.sha256(code_verifier.encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        if pending.pop(code, None) != challenge:
            return {"error": "invalid_grant"}
        return {"access_token": "at-1", "token_type": "Bearer", "expires_in": 300}

    @app.get("/userinfo")
    async def userinfo(request: Request) -> dict[str, Any]:
        assert request.headers["authorization"] == "Bearer at-1"
        return {"sub": "u-42", "name": "Inès Garnier", "department": "urbanisme", "roles": []}

    return app


@pytest.fixture
async def idp() -> AsyncIterator[str]:
    async with serve_app(provider()) as base:
        yield base


async def test_a_login_through_the_towns_provider_opens_a_session_for_its_agent(idp: str) -> None:
    settings = ConsoleSettings(
        oidc_metadata_url=f"{idp}/.well-known/openid-configuration",
        oidc_client_secret="s3cret",
        dev_login=False,
        cookie_secure=False,
    )
    tracking = httpx.MockTransport(
        lambda r: httpx.Response(200, json=[] if "stats" in r.url.path else {"items": []})
    )
    app = build_app(settings, Upstream(settings, httpx.AsyncClient(transport=tracking)))
    async with (
        serve_app(app) as console,
        httpx.AsyncClient(base_url=console, timeout=10) as browser,
    ):
        page = await browser.get("/connexion")
        assert "/connexion/oidc" in page.text and "/connexion/dev" not in page.text
        to_provider = await browser.get("/connexion/oidc")
        assert to_provider.status_code == 302
        query = parse_qs(urlparse(to_provider.headers["location"]).query)
        assert query["code_challenge_method"] == ["S256"] and query["state"]
        back = await browser.get(to_provider.headers["location"])  # the provider's redirect
        done = await browser.get(back.headers["location"])
        assert done.status_code == 303 and done.headers["location"] == "/"
        queue = await browser.get("/")
        assert queue.status_code == 200
        assert "Inès Garnier" in queue.text and "Urbanisme" in queue.text

        forged = httpx.AsyncClient(base_url=console)
        refused = await forged.get("/connexion/oidc/retour?code=code-1&state=forged")
        assert refused.status_code == 401
        await forged.aclose()
