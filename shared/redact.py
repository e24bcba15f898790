"""Remove personal data (emails, phone numbers, names) and secrets from log events."""

import re
from collections.abc import MutableMapping
from typing import Any

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<![\w-])(?:\+|00)?\d[\d .()-]{7,}\d(?![\w-])")
# A tracking code (or any token) in an address: the citizen's status link, a `?token=` query,
# a document-space link (`?jeton=`).
CODE_IN_URL = re.compile(r"(?i)([?&#;](?:code|token|tracking_token|jeton)=)[^&#\s\"'<>]+")
SENSITIVE_KEYS = frozenset(
    {
        "email",
        "phone",
        "name",
        "first_name",
        "last_name",
        "citizen",
        "to",
        "sender",
        "from",
        "address",
        "description",
        "body",
        "text",
        "subject",
        "password",
        "token",
        "tracking_token",
        "tracking_code",
    }
)
MASK = "[redacted]"


def redact_codes(text: str) -> str:
    return CODE_IN_URL.sub(r"\1[redacted]", text)


def redact_text(text: str) -> str:
    return PHONE.sub("[phone]", EMAIL.sub("[email]", redact_codes(text)))


def redact_value(key: str, value: Any) -> Any:
    if key.lower() in SENSITIVE_KEYS and value not in (None, ""):
        return MASK
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(key, v) for v in value]
    return value


def redact_event(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> dict[str, Any]:
    """structlog processor."""
    return {
        k: redact_value(k, v) if k != "event" else redact_text(str(v))
        for k, v in event_dict.items()
    }
