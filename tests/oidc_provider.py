"""A small OpenID Connect provider for the test suite, run as its own process.

It serves what a relying party reads (discovery document, JWKS) and issues real signed access
tokens for registered test users, with whatever claims the test gives them (department,
roles...). Keys can be rotated while it runs. Test-only: no login page, no client secrets.

    python -m tests.oidc_provider --port 8123

- GET  /.well-known/openid-configuration, GET /jwks
- POST /token  {"sub": ..., "claims": {...}, "ttl_s": 3600, "audience": ...}  -> access token
- POST /rotate {"alg": "ES256", "keep_previous": false}  -> the new kid
"""

import argparse
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

AUDIENCE = "relais-tracking"


class Keys:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.active: list[tuple[str, str, Any]] = []  # (kid, alg, private key), newest last
        self.rotate("RS256", keep_previous=False)

    def rotate(self, alg: str, *, keep_previous: bool) -> str:
        private = (
            rsa.generate_private_key(public_exponent=65537, key_size=2048)
            if alg == "RS256"
            else ec.generate_private_key(ec.SECP256R1())
        )
        kid = uuid.uuid4().hex[:16]
        with self._lock:
            kept = self.active[-1:] if keep_previous else []
            self.active = [*kept, (kid, alg, private)]
        return kid

    def jwks(self) -> dict[str, Any]:
        with self._lock:
            active = list(self.active)
        keys = []
        for kid, alg, private in active:
            algorithm = jwt.get_algorithm_by_name(alg)
            jwk = json.loads(algorithm.to_jwk(private.public_key()))
            keys.append({**jwk, "kid": kid, "alg": alg, "use": "sig"})
        return {"keys": keys}

    def sign(self, claims: dict[str, Any]) -> str:
        with self._lock:
            kid, alg, private = self.active[-1]
        return jwt.encode(claims, private, algorithm=alg, headers={"kid": kid})


def make_handler(issuer: str, keys: Keys) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: Any) -> None:  # quiet
            pass

        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> dict[str, Any]:
            length = int(self.headers.get("content-length") or 0)
            return json.loads(self.rfile.read(length) or b"{}")

        def do_GET(self) -> None:
            if self.path == "/.well-known/openid-configuration":
                self._json(200, discovery(issuer))
            elif self.path == "/jwks":
                self._json(200, keys.jwks())
            else:
                self._json(404, {"error": "not_found"})

        def do_POST(self) -> None:
            body = self._body()
            if self.path == "/token":
                self._json(200, issue(issuer, keys, body))
            elif self.path == "/rotate":
                kid = keys.rotate(
                    body.get("alg", "RS256"), keep_previous=bool(body.get("keep_previous"))
                )
                self._json(200, {"kid": kid})
            else:
                self._json(404, {"error": "not_found"})

    return Handler


def discovery(issuer: str) -> dict[str, Any]:
    return {
        "issuer": issuer,
        "jwks_uri": issuer + "/jwks",
        "token_endpoint": issuer + "/token",
        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        "subject_types_supported": ["public"],
        "response_types_supported": ["token"],
    }


def issue(issuer: str, keys: Keys, body: dict[str, Any]) -> dict[str, Any]:
    now = int(time.time())
    ttl = int(body.get("ttl_s", 3600))
    claims = {
        **body.get("claims", {}),
        "iss": body.get("issuer", issuer),
        "sub": body["sub"],
        "aud": body.get("audience", AUDIENCE),
        "iat": now,
        "exp": now + ttl,
    }
    return {"access_token": keys.sign(claims), "token_type": "Bearer", "expires_in": ttl}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    issuer = f"http://127.0.0.1:{args.port}"
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(issuer, Keys()))
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
