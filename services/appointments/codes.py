"""Booking codes: the citizen's proof to move or cancel without an account.

The code is derived from the booking id with an HMAC, so an idempotent retry is answered
with the same code without storing it; only its SHA-256 is stored, to find the booking.
"""

import base64
import hashlib
import hmac

CODE_CHARS = 15  # 75 bits of base32


def booking_code(booking_id: str, *, secret: str) -> str:
    digest = hmac.new(secret.encode(), booking_id.encode(), hashlib.sha256).digest()
    text = base64.b32encode(digest).decode()[:CODE_CHARS]
    return "-".join(text[i : i + 5] for i in range(0, CODE_CHARS, 5))


def normalize_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def code_hash(code: str) -> str:
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()
