"""The test OpenID Connect provider as a real process, and a client to get tokens from it."""

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.oidc_provider import AUDIENCE
from tests.support import free_port

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Provider:
    issuer: str

    def token(
        self,
        sub: str,
        *,
        department: str | None = None,
        roles: list[str] | None = None,
        name: str = "",
        ttl_s: int = 3600,
        audience: str | None = None,
        issuer: str | None = None,
        **claims: Any,
    ) -> str:
        """An access token for `sub`; other keyword arguments become claims."""
        claims["name"] = name or sub
        if department is not None:
            claims["department"] = department
        if roles is not None:
            claims["roles"] = roles
        body: dict[str, Any] = {"sub": sub, "claims": claims, "ttl_s": ttl_s}
        if audience is not None:
            body["audience"] = audience
        if issuer is not None:
            body["issuer"] = issuer
        response = httpx.post(self.issuer + "/token", json=body, timeout=10)
        response.raise_for_status()
        return str(response.json()["access_token"])

    def headers(self, sub: str, **kwargs: Any) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token(sub, **kwargs)}"}

    def rotate(self, alg: str = "RS256", *, keep_previous: bool = False) -> str:
        body = {"alg": alg, "keep_previous": keep_previous}
        response = httpx.post(self.issuer + "/rotate", json=body, timeout=30)
        response.raise_for_status()
        return str(response.json()["kid"])

    def settings(self, **overrides: Any) -> dict[str, Any]:
        """Tracking (or any service) settings that trust this provider."""
        return {"oidc_issuer": self.issuer, "oidc_audience": AUDIENCE, **overrides}


@contextmanager
def oidc_provider() -> Iterator[Provider]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.oidc_provider", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.strip() == "ready", f"test OIDC provider did not start: {line!r}"
        yield Provider(issuer=f"http://127.0.0.1:{port}")
    finally:
        process.terminate()
        process.wait(timeout=10)
