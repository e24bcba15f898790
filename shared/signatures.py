"""Webhook signatures: HMAC-SHA256 over the raw body, compared in constant time (pure logic).

Facebook: `X-Hub-Signature-256: sha256=<hex HMAC(app secret, body)>`.
Chatbot: `X-Relais-Timestamp: <unix seconds>` and
`X-Relais-Signature: sha256=<hex HMAC(secret, b"<timestamp>." + body)>`; the timestamp must be
recent, so a captured request cannot be replayed later. The web adapter checks both on
what it receives; notification signs what it sends back to the chatbot the same way.
"""

import hashlib
import hmac

PREFIX = "sha256="


class SignatureRefused(Exception):
    """The request is not proven to come from the sender; the message is French."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def _hex_hmac(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign_facebook(*, secret: str, body: bytes) -> str:
    return PREFIX + _hex_hmac(secret, body)


def sign_chatbot(*, secret: str, timestamp: int | str, body: bytes) -> str:
    return PREFIX + _hex_hmac(secret, f"{timestamp}.".encode() + body)


def _matches(header: str, expected: str) -> bool:
    return hmac.compare_digest(header.strip().lower().encode(), expected.encode())


def check_facebook(*, secret: str, body: bytes, header: str | None) -> None:
    """Raise SignatureRefused unless `header` signs `body` with the app secret."""
    if not header:
        raise SignatureRefused(401, "Signature absente (en-tête X-Hub-Signature-256).")
    if not _matches(header, sign_facebook(secret=secret, body=body)):
        raise SignatureRefused(403, "Signature invalide (en-tête X-Hub-Signature-256).")


def check_chatbot(
    *,
    secret: str,
    body: bytes,
    timestamp: str | None,
    signature: str | None,
    now: float,
    max_skew_s: int,
) -> None:
    """Raise SignatureRefused unless the request is signed and its timestamp is recent."""
    if not timestamp or not signature:
        raise SignatureRefused(
            401, "Signature absente (en-têtes X-Relais-Timestamp et X-Relais-Signature)."
        )
    stripped = timestamp.strip()
    if not stripped.isascii() or not stripped.isdigit() or len(stripped) > 12:
        raise SignatureRefused(401, "Horodatage invalide (secondes Unix attendues).")
    if abs(now - int(stripped)) > max_skew_s:
        raise SignatureRefused(
            401, f"Horodatage périmé : plus de {max_skew_s} secondes d'écart avec le serveur."
        )
    if not _matches(signature, sign_chatbot(secret=secret, timestamp=stripped, body=body)):
        raise SignatureRefused(401, "Signature invalide (en-tête X-Relais-Signature).")
