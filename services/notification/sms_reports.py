"""A failed SMS delivery, reported by the provider, becomes NotificationFailed on the log.

The provider knows only its message id (or our client reference, the notice key); the SMS
record written at send time maps it back to the request and the notification. The event id
derives from the notice key, so a report posted twice publishes one event.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from services.notification.channels.sms_store import SmsMessages, SmsOptOuts
from services.notification.preferences import Preferences
from services.notification.settings import SOURCE
from services.notification.sms_schemas import SmsReport
from shared.envelope import Envelope
from shared.events import NotificationFailed
from shared.kafka.producer import Publisher
from shared.redact import redact_text

NAMESPACE = uuid.UUID("6d1b0c2e-58a4-4c0f-8f43-2f7f1a9b5e10")
CHANNEL = "sms"


def failed_delivery(report: SmsReport) -> str:
    """The French reason agents read on the request's timeline."""
    error = redact_text(report.error or "")[:200]
    status = report.status.strip().lower()
    return f"SMS non distribué par l'opérateur (statut {status}" + (
        f", motif : {error})." if error else ")."
    )


def failure_event_id(key: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{key}:undelivered"))


@dataclass(frozen=True)
class SmsReports:
    """What the SMS webhooks work with."""

    opt_outs: SmsOptOuts
    messages: SmsMessages
    publisher: Publisher
    webhook_secret: str
    preferences: Preferences | None = None  # the notifier's, told of STOP and START

    async def publish_failure(self, *, key: str) -> None:
        record = await self.messages.find(provider_id=None, key=key)
        if record is None or record.state != "failed" or record.published:
            return
        failed = NotificationFailed(
            request_id=record.request_id,
            reference=record.reference,
            notification_id=record.key[:64],
            channel=CHANNEL,
            reason=record.reason or "SMS non distribué par l'opérateur.",
            permanent=True,
            failed_at=datetime.now(UTC),
        )
        await self.publisher.publish(
            Envelope(data=failed, source=SOURCE, id=failure_event_id(record.key))
        )
        await self.messages.mark_published(key=record.key)
