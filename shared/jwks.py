"""The OpenID Connect provider's signing keys, cached and refetched when a new key id appears.

Providers rotate keys: a token signed with a key id we have not seen triggers one refetch of
the JWKS, at most once per `min_refresh_s`, so a flood of tokens with made-up key ids cannot
turn into a flood of requests to the provider.
"""

import threading
import time
from typing import Any

import httpx
import jwt

DISCOVERY = "/.well-known/openid-configuration"


class JwksUnavailable(RuntimeError):
    """The provider's discovery document or key set could not be fetched."""


class JwksCache:
    def __init__(
        self, *, issuer: str, jwks_url: str = "", min_refresh_s: float = 30.0, timeout_s: float = 5
    ) -> None:
        self._issuer = issuer.rstrip("/")
        self._jwks_url = jwks_url
        self._min_refresh_s = min_refresh_s
        self._timeout_s = timeout_s
        self._keys: dict[str, Any] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()
        self._failed = False
        self.fetches = 0

    def key(self, kid: str) -> Any | None:
        """The verification key for `kid`, refetching the key set once if it is unknown."""
        with self._lock:
            if kid not in self._keys and self._may_refresh():
                self._refresh()
            if not self._keys and self._failed:
                raise JwksUnavailable("the provider's keys are not available yet")
            return self._keys.get(kid)

    def _may_refresh(self) -> bool:
        return self._fetched_at is None or (
            time.monotonic() - self._fetched_at >= self._min_refresh_s
        )

    def _refresh(self) -> None:
        self._fetched_at = time.monotonic()
        self.fetches += 1
        try:
            with httpx.Client(timeout=self._timeout_s) as http:
                url = self._jwks_url or self._discover(http)
                response = http.get(url)
                response.raise_for_status()
                key_set = jwt.PyJWKSet.from_dict(response.json())
        except (httpx.HTTPError, ValueError, jwt.PyJWTError) as exc:
            # Keys already known stay in use; the next attempt waits for the interval.
            self._failed = True
            raise JwksUnavailable(f"cannot fetch the provider's keys: {exc!r}") from exc
        self._keys = {k.key_id: k for k in key_set.keys if k.key_id}
        self._failed = False

    def _discover(self, http: httpx.Client) -> str:
        response = http.get(self._issuer + DISCOVERY)
        response.raise_for_status()
        url = response.json().get("jwks_uri")
        if not isinstance(url, str) or not url:
            raise ValueError("discovery document without jwks_uri")
        self._jwks_url = url
        return url
