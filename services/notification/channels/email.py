"""Email: templates/email/<name>.{subject,txt,html}, threading headers, loop protection.

- Message-ID derives from the notice key (`<notif-<key>@domain>`, what the email adapter
  reads back from bounces); `In-Reply-To`/`References` name the acknowledgement, so replies
  and later messages stay in one thread; `Auto-Submitted: auto-replied` and `X-Loop` keep
  other robots from answering; `List-Unsubscribe` carries the opt-out link (RFC 8058).
- Never written to: our own addresses, no-reply and mailer-daemon style addresses
  (PermanentError); more than `email_rate_per_hour` messages to one address within an hour
  waits (TransientError with the time it may go).
- The transport is the town's SMTP relay or, in development, `SinkMailer` (the database).
"""

from collections import defaultdict, deque
from datetime import UTC, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import ClassVar, Protocol

from jinja2 import Environment

from services.notification.channels.base import (
    ContactPoint,
    Notice,
    PermanentError,
    Sent,
    TransientError,
)
from services.notification.channels.sink import Sink
from services.notification.rendering import render
from services.notification.settings import NotificationSettings
from services.notification.smtp import MailerMisconfigured, RecipientRefused
from shared.errors import TransientError as SmtpUnavailable

ROBOT_MAILBOXES = frozenset(
    {"noreply", "no-reply", "no_reply", "donotreply", "do-not-reply", "mailer-daemon"}
    | {"postmaster", "bounce", "bounces"}
)
HOUR = timedelta(hours=1)


class Transport(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


class SinkMailer:
    """The development transport: each message kept in the database, not sent."""

    def __init__(self, sink: Sink) -> None:
        self._sink = sink

    async def send(self, message: EmailMessage) -> None:
        body = message.get_body(("plain",))
        await self._sink.keep(
            key=str(message["Message-ID"]),
            address=str(message["To"].addresses[0].addr_spec),
            payload={
                "subject": str(message["Subject"]),
                "text": body.get_content() if body is not None else "",
                "headers": {k: str(v) for k, v in message.items()},
            },
        )


def message_id(*, key: str, domain: str) -> str:
    return f"<notif-{key}@{domain}>"


class EmailChannel:
    name: ClassVar[str] = "email"

    def __init__(
        self, *, transport: Transport, settings: NotificationSettings, templates: Environment
    ) -> None:
        self._transport = transport
        self._settings = settings
        self._templates = templates
        self._own = {
            a.lower()
            for a in (
                parseaddr(settings.mail_from)[1],
                parseaddr(settings.reply_to)[1],
                *settings.own_addresses,
            )
            if a
        }
        self._recent: defaultdict[str, deque[datetime]] = defaultdict(deque)

    async def send(self, notice: Notice, to: ContactPoint) -> Sent:
        address = to.address.strip().lower()
        self._refuse_loops(address)
        self._within_rate(address, now=datetime.now(UTC))
        message = self.compose(notice, to)
        try:
            await self._transport.send(message)
        except RecipientRefused as exc:
            raise PermanentError(
                f"adresse refusée par le serveur de messagerie ({exc.code} {exc.reason})"
            ) from exc
        except (SmtpUnavailable, MailerMisconfigured) as exc:
            raise TransientError(f"SMTP unavailable: {exc}") from exc
        self._recent[address].append(datetime.now(UTC))
        return Sent(provider_id=str(message["Message-ID"]))

    def _refuse_loops(self, address: str) -> None:
        local = address.rsplit("@", 1)[0]
        if address in self._own or local in ROBOT_MAILBOXES or local.startswith("mailer-daemon"):
            raise PermanentError("adresse automatique ou de la mairie : message non envoyé")

    def _within_rate(self, address: str, *, now: datetime) -> None:
        recent = self._recent[address]
        while recent and recent[0] <= now - HOUR:
            recent.popleft()
        if len(recent) >= self._settings.email_rate_per_hour:
            raise TransientError("too many emails to one address", retry_at=recent[0] + HOUR)

    def compose(self, notice: Notice, to: ContactPoint) -> EmailMessage:
        """The MIME message (text with an HTML alternative) and its headers."""
        settings = self._settings
        context = dict(notice.context)
        context["subject"] = self._render(notice, "subject", context).strip()
        message = EmailMessage()
        message["From"] = settings.mail_from
        message["To"] = Address(display_name=to.name or "", addr_spec=to.address)
        message["Reply-To"] = settings.reply_to
        message["Subject"] = context["subject"]
        message["Date"] = format_datetime(notice.created_at)
        message["Message-ID"] = message_id(key=notice.key, domain=settings.mail_domain)
        if thread := to.extra.get("in_reply_to"):
            message["In-Reply-To"] = thread
            message["References"] = thread
        message["Auto-Submitted"] = "auto-replied"
        message["X-Auto-Response-Suppress"] = "All"
        message["X-Loop"] = f"relais@{settings.mail_domain}"
        if notice.reference:
            message["X-Relais-Reference"] = notice.reference
        if opt_out := context.get("opt_out_url"):
            message["List-Unsubscribe"] = f"<{opt_out}>"
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message.set_content(self._render(notice, "txt", context))
        message.add_alternative(self._render(notice, "html", context), subtype="html")
        for attachment in notice.attachments:
            subtype = attachment.content_type.removeprefix("text/")
            message.add_attachment(
                attachment.content, subtype=subtype, filename=attachment.filename
            )
        message["Content-Language"] = "fr"  # after the body: set_content drops Content-* headers
        return message

    def _render(self, notice: Notice, ext: str, context: dict[str, object]) -> str:
        return render(
            self._templates, channel=self.name, template=notice.template, ext=ext, **context
        )
