"""Notification's notifier wired with fakes (a fake SMTP transport, scripted channels, the
in-memory store and publisher, fed through its registered handlers), and a real SMTP inbox."""

import asyncio
import email
import email.policy
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, ClassVar

from aiosmtpd.smtp import SMTP, Session
from aiosmtpd.smtp import Envelope as SmtpEnvelope

from services.notification.app import assemble
from services.notification.channels.base import (
    Channel,
    ContactPoint,
    Notice,
    Sent,
)
from services.notification.delivery import Delivery
from services.notification.handlers import Notifier
from services.notification.rendering import environment
from services.notification.settings import NotificationSettings
from services.notification.smtp import RecipientRefused
from shared.errors import TransientError as SmtpDown
from tests.fakes import InMemoryDatabase, InMemoryPublisher
from tests.harness import Harness

REFUSED = "inconnu@example.org"


@dataclass
class FakeMailer:
    """Records what it sends; can be down, refuse REFUSED, and take time."""

    delays: list[float] = field(default_factory=list)
    down: bool = False
    sent: list[EmailMessage] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0

    async def send(self, message: EmailMessage) -> None:
        if self.down:
            raise SmtpDown("SMTP server down")
        if message["To"].addresses[0].addr_spec == REFUSED:
            raise RecipientRefused(550, "Destinataire inconnu")
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delays.pop(0) if self.delays else 0.005)
        finally:
            self.in_flight -= 1
        self.sent.append(message)


@dataclass
class ScriptedChannel:
    """A channel whose next outcomes are scripted: Sent by default, or the errors given."""

    name: ClassVar[str] = "sms"
    script: list[Exception] = field(default_factory=list)
    sent: list[tuple[Notice, ContactPoint]] = field(default_factory=list)
    tries: int = 0

    async def send(self, notice: Notice, to: ContactPoint) -> Sent:
        self.tries += 1
        if self.script:
            raise self.script.pop(0)
        self.sent.append((notice, to))
        return Sent(provider_id=f"sms-{len(self.sent)}")


@dataclass
class Wired:
    harness: Harness
    notifier: Notifier
    db: InMemoryDatabase
    publisher: InMemoryPublisher

    @property
    def delivery(self) -> Delivery:
        return self.notifier.delivery

    def outbox(self) -> list[dict[str, Any]]:
        return list(self.db["notifications"].docs.values())


def wired(
    mailer: FakeMailer | None = None, *, extra: Sequence[Channel] = (), **settings: Any
) -> Wired:
    config = NotificationSettings(**({"send_backoff_s": 0.01} | settings))
    db = InMemoryDatabase()
    publisher = InMemoryPublisher()
    notifier = assemble(
        config,
        db=db,  # type: ignore[arg-type]
        publisher=publisher,  # type: ignore[arg-type]
        templates=environment(config.templates_dir),
        email_transport=mailer,
        extra=extra,
    )
    harness = Harness(notifier.handlers(), publisher=publisher, group="notification")
    return Wired(harness=harness, notifier=notifier, db=db, publisher=publisher)


@dataclass
class Inbox:
    """An SMTP server on 127.0.0.1 that keeps what it receives, and refuses REFUSED."""

    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    recipients_tried: list[str] = field(default_factory=list)
    server: asyncio.Server | None = None

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: SmtpEnvelope, address: str, _: Any
    ) -> str:
        self.recipients_tried.append(address)
        if address == REFUSED:
            return "550 5.1.1 Destinataire inconnu"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: SmtpEnvelope) -> str:
        raw = envelope.original_content or b""
        self.messages.append(email.message_from_bytes(raw, policy=email.policy.default))  # type: ignore[arg-type]
        return "250 Message accepted"

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(
            lambda: SMTP(self, hostname="smtp.test"), host="127.0.0.1", port=self.port
        )

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
