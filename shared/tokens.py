"""Citizens' tracking codes: derived from the request id, only their SHA-256 travels and is stored.

A code is `<key version><23 characters of base64url(HMAC-SHA256(key, "relais-tracking:" +
request id))>`, 24 characters (138 bits of the HMAC). Whoever holds the key (the adapters that
show the code once, notification that puts it in the citizen's status link) recomputes it from
the request id, so no store, event or log ever needs it in clear; tracking, portal, documents
and appointments check what the citizen types against the hash of RequestSubmitted.
Requests created before derived codes keep their random code: its hash matches no key, so
`code_for` answers None and the citizen's link asks for the code.
"""

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

import structlog
from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings

# Compared against when no hash is stored, so an unknown reference takes the same work.
NO_HASH = "0" * 64
DEV_TRACKING_SECRET = "relais-dev-tracking-secret-change-me"
CONTEXT = "relais-tracking:"
BODY_LENGTH = 23
VERSION = r"^[0-9A-Za-z]$"

log = structlog.get_logger(__name__)


def new_token() -> str:
    """A random code (requests of channels without a key, tests)."""
    return secrets.token_urlsafe(18)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str | None, stored_hash: str | None) -> bool:
    """Constant-time check of a token against its stored hash; False when either is missing."""
    digest = hash_token(token or "")
    return hmac.compare_digest(digest, stored_hash or NO_HASH) and bool(token and stored_hash)


def derive_code(*, secret: str, version: str, request_id: str) -> str:
    """The request's tracking code under one key: deterministic, pure."""
    mac = hmac.new(secret.encode(), f"{CONTEXT}{request_id}".encode(), hashlib.sha256).digest()
    return version + base64.urlsafe_b64encode(mac).decode()[:BODY_LENGTH]


@dataclass(frozen=True)
class TrackingKeys:
    """The key new codes are derived with, and retired keys still recognised, by version."""

    version: str
    secret: str
    retired: Mapping[str, str]

    def code(self, request_id: str) -> str:
        """The code of a new request (current key)."""
        return derive_code(secret=self.secret, version=self.version, request_id=request_id)

    def code_under(self, version: str | None, request_id: str) -> str | None:
        """The code under the key of `version` (None: the current one), if that key is known."""
        if version is None or version == self.version:
            return self.code(request_id)
        secret = self.retired.get(version)
        return (
            derive_code(secret=secret, version=version, request_id=request_id) if secret else None
        )

    def code_for(self, request_id: str, token_hash: str) -> str | None:
        """The request's code if one of our keys made the hash it was filed with, else None."""
        for version in (self.version, *self.retired):
            code = self.code_under(version, request_id)
            if code is not None and token_matches(code, token_hash):
                return code
        return None


class TrackingCodeSettings(BaseSettings):
    """Mixed into the settings of the services that derive codes: the adapters, notification."""

    tracking_secret: SecretStr = Field(
        default=SecretStr(DEV_TRACKING_SECRET),
        min_length=16,
        validation_alias=AliasChoices("RELAIS_TRACKING_SECRET", "tracking_secret"),
        description="HMAC key deriving each request's tracking code (dev default)",
    )
    tracking_key_version: str = Field(
        default="1",
        pattern=VERSION,
        validation_alias=AliasChoices("RELAIS_TRACKING_KEY_VERSION", "tracking_key_version"),
        description="One character naming the current key; it starts every new code",
    )
    tracking_retired_secrets: dict[str, SecretStr] = Field(
        default_factory=dict,
        validation_alias=AliasChoices(
            "RELAIS_TRACKING_RETIRED_SECRETS", "tracking_retired_secrets"
        ),
        description='Former keys by version, JSON {"1": "..."}: their codes still get links',
    )

    def tracking_keys(self) -> TrackingKeys:
        return TrackingKeys(
            version=self.tracking_key_version,
            secret=self.tracking_secret.get_secret_value(),
            retired={v: s.get_secret_value() for v, s in self.tracking_retired_secrets.items()},
        )

    def warn_dev_tracking_secret(self) -> None:
        """At start-up: anyone who reads this repository can derive the development codes."""
        if self.tracking_secret.get_secret_value() == DEV_TRACKING_SECRET:
            log.warning(
                "tracking_code.insecure_dev_secret",
                hint="set RELAIS_TRACKING_SECRET: with the development key, tracking codes "
                "can be computed by anyone who knows a request id",
            )
