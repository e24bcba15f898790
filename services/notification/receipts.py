"""Payment receipts: once an invoice is paid, the citizen gets a French receipt by email.

Consumes `relais.payments.v1` (its own group). Idempotent by event id: a sent receipt is
recorded under the event's id and its Message-ID derives from it (templates
`templates/email/receipt.*`, which a town may override like the others), so a redelivered
`PaymentSucceeded` sends nothing again (a crash between the SMTP server's acceptance and the
record gives at most one duplicate, with the same Message-ID). Amounts come in cents and are
written in euros without floats.
"""

import uuid
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from zoneinfo import ZoneInfo

import structlog
from jinja2 import Environment
from pymongo.asynchronous.database import AsyncDatabase

from services.notification.appointments import french_moment
from services.notification.rendering import render
from services.notification.settings import NotificationSettings
from services.notification.smtp import RecipientRefused, SmtpMailer
from shared.events.payments import PaymentSucceeded
from shared.kafka.handlers import Handlers
from shared.money import euros
from shared.mongo import Document, insert_once
from shared.stream_envelope import StreamEnvelope

log = structlog.get_logger(__name__)
SENT = "receipt_mails"
NAMESPACE = uuid.UUID("9a4c2e71-5b3d-4f6a-8e1c-0d7b6a5f4e32")


class ReceiptMails:
    def __init__(
        self,
        *,
        db: AsyncDatabase[Document],
        mailer: SmtpMailer,
        settings: NotificationSettings,
        templates: Environment,
    ) -> None:
        self._db = db
        self._templates = templates
        self._mailer = mailer
        self._settings = settings
        self._tz = ZoneInfo(settings.timezone)

    def handlers(self) -> Handlers:
        registry = Handlers()
        # Payment events are not request events: the registry is keyed by type alone.
        registry.single[PaymentSucceeded] = self.on_paid  # type: ignore[index]
        return registry

    async def on_paid(self, envelope: StreamEnvelope[PaymentSucceeded]) -> None:
        if await self._db[SENT].find_one({"_id": envelope.id}, {"_id": 1}):
            log.info("receipt.already_sent")
            return
        message = self.compose(envelope.data, event_id=envelope.id, now=datetime.now(UTC))
        outcome = "sent"
        try:
            await self._mailer.send(message)
        except RecipientRefused:
            outcome = "refused"  # permanent: retrying would not help
        record = {
            "_id": envelope.id,
            "invoice_id": envelope.data.invoice_id,
            "outcome": outcome,
            "at": datetime.now(UTC),
        }
        await insert_once(self._db, SENT, record)
        log.info("receipt.done", outcome=outcome)

    def compose(self, paid: PaymentSucceeded, *, event_id: str, now: datetime) -> EmailMessage:
        context: dict[str, object] = {
            "town_name": self._settings.town_name,
            "greeting": f"Bonjour {paid.contact.name}," if paid.contact.name else "Bonjour,",
            "amount": euros(paid.amount_cents),
            "reference": paid.reference,
            "label": paid.label,
            "paid_at": french_moment(paid.paid_at, self._tz),
            "authorisation": paid.authorisation,
            "payment_id": paid.payment_id,
            "signature": f"La mairie de {self._settings.town_name}",
        }
        subject = self._render(context, "subject").strip()
        context["subject"] = subject
        message = EmailMessage()
        message["From"] = self._settings.mail_from
        message["To"] = Address(display_name=paid.contact.name or "", addr_spec=paid.contact.email)
        message["Reply-To"] = self._settings.reply_to
        message["Subject"] = subject
        message["Date"] = format_datetime(now)
        message["Message-ID"] = (
            f"<recu-{uuid.uuid5(NAMESPACE, event_id)}@{self._settings.mail_domain}>"
        )
        message["Auto-Submitted"] = "auto-generated"
        message["Content-Language"] = "fr"
        message.set_content(self._render(context, "txt"))
        message.add_alternative(self._render(context, "html"), subtype="html")
        return message

    def _render(self, context: dict[str, object], ext: str) -> str:
        return render(self._templates, channel="email", template="receipt", ext=ext, **context)
