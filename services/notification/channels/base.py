"""What every channel implements: send one rendered notice to one contact point.

The notifier decides *whether* and *to whom* (preferences, consent, outbox); a channel only
knows *how*: it renders the notice with its own templates (templates/<channel>/...), talks to
its provider, and says what happened by returning `Sent` or raising one of the two errors.

- `Sent.provider_id` is the provider's message id (Message-ID, SMS id, Messenger mid, letter
  id): it is recorded in the outbox and on the timeline.
- `TransientError`: try again later (provider down, 5xx, time-out); `retry_at` lets a channel
  ask for a precise time (quiet hours for SMS).
- `PermanentError`: never retried (bounced address, invalid number, blocked page, Messenger
  window closed); its French `reason` is shown to agents on the request's timeline.

Every channel has a development sink (stores what it would send, for `make run` and tests)
and a real implementation; both are chosen by settings at wiring time.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol


@dataclass(frozen=True)
class ContactPoint:
    """Where one citizen is reached on one channel.

    `address` is the channel's own key: an email address, an E.164 number, a Facebook PSID, a
    chatbot conversation id, or the postal address (lines joined by newlines).
    """

    channel: str
    address: str
    name: str | None = None
    # Channel-specific facts: e.g. "last_inbound_at" (Messenger's 24-hour window),
    # "conversation_id" (chatbot), "in_reply_to" (email threading).
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Attachment:
    """A file that goes with a notice where the channel can carry one (email: the .ics)."""

    filename: str
    content_type: str  # a text type, e.g. text/calendar
    content: str


@dataclass(frozen=True)
class Notice:
    """One message to one citizen, before a channel renders it.

    `key` is unique per (triggering event, recipient, channel): it is the outbox key and the
    idempotency key given to providers that accept one.
    """

    key: str
    request_id: str
    reference: str
    template: str  # acknowledgement, status_changed, agent_reply, citizen_asked, ...
    context: dict[str, Any]  # what the templates use: greeting, reference, status_url, ...
    created_at: datetime
    # Channels that cannot carry files (SMS, Messenger, letters) ignore them.
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class Sent:
    provider_id: str | None
    detail: str | None = None


class TransientError(Exception):
    def __init__(self, reason: str, *, retry_at: datetime | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_at = retry_at


class PermanentError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Channel(Protocol):
    name: ClassVar[str]

    async def send(self, notice: Notice, to: ContactPoint) -> Sent: ...
