"""Payment receipts: once an invoice is paid, the citizen gets a French receipt by email.

Consumes `relais.payments.v1` (group `notification-receipts`) and sends through the outbox
(`direct.py`): once per event id, with the opt-out link, retries and permanent failures of
every notice (templates `templates/email/receipt.*`, which a town may override like the
others). Receipts sent before the outbox existed are remembered in `receipt_mails` and not
sent again. Amounts come in cents and are written in euros without floats.
"""

from zoneinfo import ZoneInfo

import structlog
from pymongo.asynchronous.database import AsyncDatabase

from services.notification.appointments import french_moment
from services.notification.channels.base import ContactPoint
from services.notification.direct import DirectNotices, Trigger
from services.notification.messages import Content
from services.notification.settings import NotificationSettings
from shared.envelope import Envelope
from shared.events.payments import PaymentSucceeded
from shared.kafka.handlers import Handlers
from shared.money import euros
from shared.mongo import Document

log = structlog.get_logger(__name__)
SENT = "receipt_mails"  # the ledger of before the outbox, read only
RECEIPT = "receipt"


def receipt_content(paid: PaymentSucceeded, *, settings: NotificationSettings) -> Content:
    return Content(
        RECEIPT,
        {
            "town_name": settings.town_name,
            "greeting": f"Bonjour {paid.contact.name}," if paid.contact.name else "Bonjour,",
            "amount": euros(paid.amount_cents),
            "reference": paid.reference,
            "label": paid.label or "",
            "paid_at": french_moment(paid.paid_at, ZoneInfo(settings.timezone)),
            "authorisation": paid.authorisation,
            "payment_id": paid.payment_id,
            "signature": f"La mairie de {settings.town_name}",
        },
    )


class ReceiptNotices:
    def __init__(
        self,
        *,
        db: AsyncDatabase[Document],
        notices: DirectNotices,
        settings: NotificationSettings,
    ) -> None:
        self._db = db
        self._notices = notices
        self._settings = settings

    def handlers(self) -> Handlers:
        registry = Handlers()
        # Payment events are not request events: the registry is keyed by type alone.
        registry.single[PaymentSucceeded] = self.on_paid  # type: ignore[index]
        return registry

    async def on_paid(self, envelope: Envelope[PaymentSucceeded]) -> None:
        if await self._db[SENT].find_one({"_id": envelope.id}):
            return
        paid = envelope.data
        to = ContactPoint(channel="email", address=str(paid.contact.email), name=paid.contact.name)
        record = await self._notices.tell(
            Trigger(id=envelope.id, correlation_id=envelope.correlation_id),
            to=to,
            content=receipt_content(paid, settings=self._settings),
        )
        log.info("receipt.done", state=record["state"])
