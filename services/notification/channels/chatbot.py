"""Chatbot: replies go back to the conversation the citizen opened with the town's assistant.

What the channel expects from the notifier:

- `ContactPoint.extra["conversation_id"]`, or else `ContactPoint.address`: the chatbot's
  conversation id, carried by `RequestSubmitted.citizen.chatbot_conversation_id`
  (`conversation_id_of` reads it, and older events' form field).
- `Notice.context["status_url"]`: the link to follow the request (required).

The platform receives `POST CHATBOT_REPLY_URL` with the JSON `{conversation_id, reference,
text, status_url, idempotency_key}` (the notice key, also in `Idempotency-Key`), signed
like what it sends us: `X-Relais-Timestamp` and `X-Relais-Signature: sha256=<HMAC-SHA256 of
"<timestamp>." + body>` with `CHATBOT_SECRET`. Its answer: 2xx sent (`message_id`, if any, is
the provider id); 410 (conversation closed), 404 and other 4xx refused for good; 401/403
(our signature refused: a setting to fix, not the citizen's fault), 408, 429 and 5xx tried
again later.
"""

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import httpx
import structlog
from pymongo.asynchronous.database import AsyncDatabase

from services.notification.channels.base import (
    ContactPoint,
    Notice,
    PermanentError,
    Sent,
    TransientError,
)
from services.notification.channels.http import json_object, post, retry_at
from services.notification.channels.replies import SinkTransport, Transport
from services.notification.channels.sink import Sink
from services.notification.channels.texts import TextTemplates
from services.notification.settings import NotificationSettings
from shared.events import RequestSubmitted
from shared.mongo import Document
from shared.signatures import sign_chatbot

log = structlog.get_logger(__name__)

NO_CONVERSATION = "aucune conversation de l'assistant en ligne n'est connue pour cet usager"
CONVERSATION_CLOSED = (
    "la conversation de l'assistant en ligne est close : l'usager doit être recontacté autrement"
)
TRY_LATER = frozenset({401, 403, 408, 425, 429})


def conversation_id_of(event: RequestSubmitted) -> str | None:
    """The chatbot conversation a request came from, if it came from one."""
    if event.citizen.chatbot_conversation_id:
        return event.citizen.chatbot_conversation_id
    if event.form is not None and event.form.form_type == "chatbot":
        found = event.form.fields.get("conversation_id")
        return found if isinstance(found, str) and found else None
    return None


def reply_body(*, conversation_id: str, notice: Notice, text: str) -> dict[str, Any]:
    return {
        "conversation_id": conversation_id,
        "reference": notice.reference,
        "text": text,
        "status_url": notice.context["status_url"],
        "idempotency_key": notice.key,
    }


def webhook_failure(
    *, status: int, when: datetime | None = None
) -> TransientError | PermanentError:
    """What a refused reply means: try later, or never for this conversation."""
    if status >= 500 or status in TRY_LATER:
        return TransientError(f"assistant en ligne indisponible (HTTP {status})", retry_at=when)
    if status == 410:
        return PermanentError(CONVERSATION_CLOSED)
    if status == 404:
        return PermanentError("conversation inconnue de l'assistant en ligne (HTTP 404)")
    return PermanentError(f"l'assistant en ligne a refusé le message (HTTP {status})")


class ChatbotWebhook:
    """POST the reply, signed, to the platform's configured URL."""

    def __init__(
        self,
        *,
        url: str,
        secret: str,
        timeout_s: float = 10.0,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.url = url
        self._secret = secret
        self._timeout_s = timeout_s
        self._client = client

    async def deliver(self, payload: dict[str, Any], *, notice: Notice, to: ContactPoint) -> Sent:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": notice.key,
            "X-Relais-Timestamp": str(timestamp),
            "X-Relais-Signature": sign_chatbot(secret=self._secret, timestamp=timestamp, body=body),
        }
        try:
            answer = await post(
                self.url,
                client=self._client,
                timeout_s=self._timeout_s,
                content=body,
                headers=headers,
            )
        except httpx.TransportError as exc:
            raise TransientError(f"assistant en ligne injoignable : {type(exc).__name__}") from exc
        if answer.is_success:
            message_id = json_object(answer).get("message_id")
            return Sent(provider_id=message_id if isinstance(message_id, str) else None)
        failure = webhook_failure(
            status=answer.status_code, when=retry_at(answer.headers, now=datetime.now(UTC))
        )
        log.warning(
            "chatbot.reply_refused",
            status=answer.status_code,
            permanent=isinstance(failure, PermanentError),
        )
        raise failure


class ChatbotChannel:
    name: ClassVar[str] = "chatbot"

    def __init__(self, *, transport: Transport, templates: TextTemplates) -> None:
        self._transport = transport
        self._templates = templates

    async def send(self, notice: Notice, to: ContactPoint) -> Sent:
        conversation_id = to.extra.get("conversation_id") or to.address
        if not conversation_id:
            raise PermanentError(NO_CONVERSATION)
        text = self._templates.render(notice)
        payload = reply_body(conversation_id=str(conversation_id), notice=notice, text=text)
        return await self._transport.deliver(payload, notice=notice, to=to)


def chatbot_channel(
    settings: NotificationSettings,
    *,
    db: AsyncDatabase[Document],
    templates_dir: Path | None = None,
) -> ChatbotChannel:
    """The platform's webhook or the development sink, as CHATBOT_TRANSPORT says; the town's
    templates in `templates_dir`/chatbot/ come before the packaged ones."""
    transport: Transport
    if settings.chatbot_transport == "webhook":
        if not settings.chatbot_reply_url:
            raise ValueError("CHATBOT_REPLY_URL must be set when CHATBOT_TRANSPORT=webhook")
        transport = ChatbotWebhook(
            url=settings.chatbot_reply_url,
            secret=settings.chatbot_secret.get_secret_value(),
            timeout_s=settings.messaging_timeout_s,
        )
    else:
        transport = SinkTransport(Sink(db=db, channel=ChatbotChannel.name))
    templates = TextTemplates(
        channel=ChatbotChannel.name,
        override=templates_dir,
        max_chars=settings.chatbot_max_chars,
    )
    return ChatbotChannel(transport=transport, templates=templates)
