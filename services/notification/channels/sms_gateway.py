"""The provider's HTTP API, in the shape French SMS gateways share (OVHcloud, Brevo, SMSFactor,
Octopush): one JSON POST per message, authenticated by a bearer token or an API key.

Request: `POST <SMS_GATEWAY_URL>` with `Idempotency-Key: <notice key>` and
`{"sender", "recipient" (E.164), "text", "encoding" ("GSM-7"|"UCS-2"), "segments",
"callback_url" (delivery reports), "client_reference" (the notice key)}`.
Answer: 2xx `{"id": ...}` (or `message_id`, `messageId`, `ids: [...]`); a 409 for a client
reference already accepted is that same message. 429, 5xx, 401/402/403 (credentials or credit
to fix) and time-outs are tried again later; any other 4xx refuses the number or the message
for good.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import httpx

from services.notification.channels.base import PermanentError, TransientError
from shared.redact import redact_text

RETRY_LATER = frozenset({401, 402, 403, 408, 425, 429})
ID_FIELDS = ("id", "message_id", "messageId", "reference")


@dataclass(frozen=True)
class SmsMessage:
    key: str
    recipient: str  # E.164
    sender: str
    text: str
    encoding: str
    segments: int
    callback_url: str

    def payload(self) -> dict[str, Any]:
        return {
            "sender": self.sender,
            "recipient": self.recipient,
            "text": self.text,
            "encoding": self.encoding,
            "segments": self.segments,
            "callback_url": self.callback_url,
            "client_reference": self.key,
        }


class SmsGateway(Protocol):
    async def submit(self, message: SmsMessage) -> str:
        """The provider's message id; TransientError or PermanentError otherwise."""
        ...


@dataclass
class SmsHttpGateway:
    url: str
    api_key: str = field(repr=False)
    auth: str = "bearer"
    timeout_s: float = 10.0
    client: httpx.AsyncClient | None = None

    def _headers(self, message: SmsMessage) -> dict[str, str]:
        auth = (
            {"Authorization": f"Bearer {self.api_key}"}
            if self.auth == "bearer"
            else {"X-Api-Key": self.api_key}
        )
        return {**auth, "Idempotency-Key": message.key, "Accept": "application/json"}

    async def submit(self, message: SmsMessage) -> str:
        client = self.client or httpx.AsyncClient()
        try:
            response = await client.post(
                self.url,
                json=message.payload(),
                headers=self._headers(message),
                timeout=self.timeout_s,
            )
        except httpx.TimeoutException as exc:
            raise TransientError(f"SMS gateway timed out: {type(exc).__name__}") from exc
        except httpx.HTTPError as exc:
            raise TransientError(f"SMS gateway unreachable: {type(exc).__name__}") from exc
        finally:
            if self.client is None:
                await client.aclose()
        return answer(response, now=datetime.now(UTC))


def answer(response: httpx.Response, *, now: datetime) -> str:
    """The provider's message id from its answer, or the error it means."""
    status = response.status_code
    if 200 <= status < 300 or status == 409:
        provider_id = _provider_id(response)
        if provider_id:
            return provider_id
        if status == 409:
            raise PermanentError("SMS déjà envoyé, sans identifiant rendu par l'opérateur.")
        raise TransientError(f"SMS gateway answered {status} without a message id")
    if status >= 500 or status in RETRY_LATER:
        retry_at = _retry_at(response.headers.get("Retry-After"), now=now)
        raise TransientError(f"SMS gateway answered {status}", retry_at=retry_at)
    detail = redact_text(_error_text(response))[:200]
    raise PermanentError(
        f"SMS refusé par l'opérateur ({status}) : numéro ou message invalide"
        + (f" - {detail}" if detail else ".")
    )


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _provider_id(response: httpx.Response) -> str | None:
    body = _json(response)
    if not isinstance(body, dict):
        return None
    for name in ID_FIELDS:
        if isinstance(body.get(name), str | int) and str(body[name]):
            return str(body[name])[:200]
    ids = body.get("ids")
    if isinstance(ids, list) and ids and isinstance(ids[0], str | int):
        return str(ids[0])[:200]
    return None


def _error_text(response: httpx.Response) -> str:
    body = _json(response)
    if isinstance(body, dict):
        for name in ("detail", "message", "error", "title"):
            if isinstance(body.get(name), str):
                return str(body[name])
    return ""


def _retry_at(header: str | None, *, now: datetime) -> datetime | None:
    if header and header.strip().isdigit():
        return now + timedelta(seconds=min(int(header.strip()), 86_400))
    return None
