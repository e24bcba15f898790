"""Citizens' tracking tokens: shown once, only their SHA-256 travels and is stored."""

import hashlib
import hmac
import secrets

# Compared against when no hash is stored, so an unknown reference takes the same work.
NO_HASH = "0" * 64


def new_token() -> str:
    return secrets.token_urlsafe(18)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str | None, stored_hash: str | None) -> bool:
    """Constant-time check of a token against its stored hash; False when either is missing."""
    digest = hash_token(token or "")
    return hmac.compare_digest(digest, stored_hash or NO_HASH) and bool(token and stored_hash)
