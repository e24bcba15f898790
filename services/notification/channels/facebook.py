"""Facebook Messenger: replies to a citizen in the conversation they opened with the page.

What the channel expects from the notifier:

- `ContactPoint.address`: the citizen's page-scoped id (PSID), as `Citizen.facebook_psid`.
- `ContactPoint.extra["last_inbound_at"]`: when the citizen last wrote to the page (an aware
  `datetime`; a naive one is taken as UTC, an ISO 8601 string is accepted): the
  `submitted_at` of their Facebook request or the `received_at` of their latest Facebook
  `CitizenMessageReceived` (`inbound_at` reads either). Absent means unknown.
- `Notice.context["status_url"]`: the link to follow the request (required); the other
  context keys are those of the email templates (`department`, `due_date`, `text`...).

Messenger's rule: a page may answer with `messaging_type: RESPONSE` only within 24 hours of
the citizen's last message. Outside that window (or when it is unknown) nothing is sent and
`PermanentError` says so in French, for the request's timeline: an agent must reach the
citizen another way. The text (templates/facebook/<template>.txt) is at most 2,000
characters. The Send API has no idempotency key: a time-out after Facebook took the message
may send it twice on retry; the message id (`mid`) is the provider id.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import httpx
import structlog
from prometheus_client import Counter
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
from shared.events import Channel, CitizenMessageReceived, RequestSubmitted
from shared.mongo import Document

log = structlog.get_logger(__name__)

WINDOW = timedelta(hours=24)
MAX_CHARS = 2000
OUTSIDE_WINDOW = "hors de la fenêtre de 24 h de Messenger : l'usager doit être recontacté autrement"
# Graph API error codes (developers.facebook.com/docs/messenger-platform/error-codes)
UNREACHABLE = {
    10: "Messenger refuse l'envoi (autorisation ou fenêtre de 24 h dépassée)",
    200: "Messenger refuse l'envoi : l'usager a bloqué la page ou refusé ses messages",
    551: "Messenger : l'usager n'est pas joignable (page bloquée ou compte fermé)",
    100: "Messenger ne reconnaît pas cet usager (identifiant invalide)",
}
TRY_LATER = {1, 2, 4, 17, 32, 613}
BAD_TOKEN = 190
SUBCODE_OUTSIDE_WINDOW = 2018278
WINDOW_CLOSED = Counter(
    "relais_notification_messenger_window_closed_total",
    "Messenger notices not sent: the citizen's last message was over 24 hours ago or unknown",
)


def window_open(*, last_inbound_at: datetime | str | None, now: datetime) -> bool:
    """Whether Messenger still lets the page answer (last message less than 24 h ago)."""
    if isinstance(last_inbound_at, str):
        try:
            last_inbound_at = datetime.fromisoformat(last_inbound_at)
        except ValueError:
            return False
    if last_inbound_at is None:
        return False
    if last_inbound_at.tzinfo is None:
        last_inbound_at = last_inbound_at.replace(tzinfo=UTC)
    return now - last_inbound_at < WINDOW  # a clock a little ahead still counts as open


def inbound_at(event: RequestSubmitted | CitizenMessageReceived) -> datetime | None:
    """When this event shows the citizen writing to the page, if it does."""
    if event.channel is not Channel.FACEBOOK:
        return None
    return event.submitted_at if isinstance(event, RequestSubmitted) else event.received_at


def send_api_body(*, psid: str, text: str) -> dict[str, Any]:
    return {"recipient": {"id": psid}, "messaging_type": "RESPONSE", "message": {"text": text}}


def graph_failure(
    *, status: int, error: dict[str, Any], when: datetime | None = None
) -> TransientError | PermanentError:
    """What a refused Send API call means: try later, or never for this citizen."""
    found = error.get("code")
    code = found if isinstance(found, int) else None
    if code == 10 and error.get("error_subcode") == SUBCODE_OUTSIDE_WINDOW:
        return PermanentError(OUTSIDE_WINDOW)
    if code in UNREACHABLE:
        return PermanentError(f"{UNREACHABLE[code]} (code {code})")
    if code == BAD_TOKEN or (status in (401, 403) and code is None):
        # our page token, not the citizen: fix FACEBOOK_PAGE_TOKEN and the retry goes through
        return TransientError(f"jeton d'accès de la page refusé par Messenger (HTTP {status})")
    answer = f"HTTP {status}" if code is None else f"HTTP {status}, code {code}"
    if code in TRY_LATER or status == 429 or status >= 500:
        return TransientError(f"Messenger indisponible ou débit limité ({answer})", retry_at=when)
    return PermanentError(f"Messenger a refusé le message ({answer})")


class GraphSendApi:
    """POST {graph_url}/{version}/me/messages with the page token as a bearer token."""

    def __init__(
        self,
        *,
        graph_url: str,
        version: str,
        page_token: str,
        timeout_s: float = 10.0,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.url = f"{graph_url.rstrip('/')}/{version}/me/messages"
        self._token = page_token
        self._timeout_s = timeout_s
        self._client = client

    async def deliver(self, payload: dict[str, Any], *, notice: Notice, to: ContactPoint) -> Sent:
        try:
            answer = await post(
                self.url,
                client=self._client,
                timeout_s=self._timeout_s,
                json=payload,
                headers={"Authorization": f"Bearer {self._token}"},
            )
        except httpx.TransportError as exc:
            raise TransientError(f"Messenger injoignable : {type(exc).__name__}") from exc
        body = json_object(answer)
        if answer.is_success:
            message_id = body.get("message_id")
            return Sent(provider_id=message_id if isinstance(message_id, str) else None)
        found = body.get("error")
        error: dict[str, Any] = found if isinstance(found, dict) else {}
        failure = graph_failure(
            status=answer.status_code,
            error=error,
            when=retry_at(answer.headers, now=datetime.now(UTC)),
        )
        log.warning(
            "messenger.refused",
            status=answer.status_code,
            code=error.get("code"),
            subcode=error.get("error_subcode"),
            permanent=isinstance(failure, PermanentError),
        )
        raise failure


class MessengerChannel:
    name: ClassVar[str] = "facebook"

    def __init__(self, *, transport: Transport, templates: TextTemplates) -> None:
        self._transport = transport
        self._templates = templates

    async def send(self, notice: Notice, to: ContactPoint) -> Sent:
        now = datetime.now(UTC)
        if not window_open(last_inbound_at=to.extra.get("last_inbound_at"), now=now):
            WINDOW_CLOSED.inc()
            raise PermanentError(OUTSIDE_WINDOW)
        text = self._templates.render(notice)
        payload = send_api_body(psid=to.address, text=text)
        return await self._transport.deliver(payload, notice=notice, to=to)


def messenger_channel(
    settings: NotificationSettings,
    *,
    db: AsyncDatabase[Document],
    templates_dir: Path | None = None,
) -> MessengerChannel:
    """The Send API or the development sink, as FACEBOOK_TRANSPORT says; the town's
    templates in `templates_dir`/facebook/ come before the packaged ones."""
    transport: Transport
    if settings.facebook_transport == "graph":
        transport = GraphSendApi(
            graph_url=settings.facebook_graph_url,
            version=settings.facebook_graph_version,
            page_token=settings.facebook_page_token.get_secret_value(),
            timeout_s=settings.messaging_timeout_s,
        )
    else:
        transport = SinkTransport(Sink(db=db, channel=MessengerChannel.name))
    templates = TextTemplates(
        channel=MessengerChannel.name, override=templates_dir, max_chars=MAX_CHARS
    )
    return MessengerChannel(transport=transport, templates=templates)
