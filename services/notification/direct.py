"""Notices whose recipient comes with the event (appointments, receipts), not from the
contact book, through the same outbox, preferences, channels and sweeper as request notices.

One event gives at most one notice, keyed by the event id: a redelivered event finds its
record and sends nothing again. An opted-out or failed contact point gets nothing (a failed
record says why); the outcome goes on the request's timeline only when the notice belongs to
a request (see `Delivery.publish`).
"""

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import structlog

from services.notification.channels.base import Attachment, ContactPoint
from services.notification.delivery import NOTIFICATIONS, Delivery
from services.notification.ledger import FAILED, PENDING, notification_id
from services.notification.messages import Content
from services.notification.preferences import OPTED_OUT_REASON, Preferences, point_id
from shared.mongo import Document

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Trigger:
    """The event a notice answers: its id (the notice key's seed) and correlation id."""

    id: str
    correlation_id: str
    request_id: str | None = None
    reference: str | None = None


class DirectNotices:
    def __init__(
        self,
        *,
        delivery: Delivery,
        preferences: Preferences,
        opt_out_url: Callable[[str], str],
    ) -> None:
        self.delivery = delivery
        self._preferences = preferences
        self._opt_out_url = opt_out_url

    async def tell(
        self,
        trigger: Trigger,
        *,
        to: ContactPoint,
        content: Content,
        attachments: Sequence[Attachment] = (),
    ) -> Document:
        """Send (or find) the notice of this event; its outbox record is returned."""
        key = notification_id(trigger.id)
        now = datetime.now(UTC)
        record = await self.delivery.outbox.get(key)
        if record is None:
            record = await self._record(key, trigger, to, content, attachments, now=now)
            if record["state"] == PENDING:
                record = await self.delivery.send(record)
        elif claimed := await self.delivery.outbox.claim(key, now=now):
            record = await self.delivery.send(claimed)  # a send a killed process left
        await self.delivery.publish(record)
        return record

    async def _record(
        self,
        key: str,
        trigger: Trigger,
        to: ContactPoint,
        content: Content,
        attachments: Sequence[Attachment],
        *,
        now: datetime,
    ) -> Document:
        point = point_id(to.channel, to.address)
        base: Document = {
            "_id": key,
            "direct": True,
            "request_id": trigger.request_id,
            "reference": trigger.reference or "",
            "template": content.template,
            "channel": to.channel,
            "point": point,
            "trigger": {"id": trigger.id, "correlation_id": trigger.correlation_id or trigger.id},
        }
        preference = await self._preferences.of(point)
        if preference.opted_out or preference.failed_reason:
            reason = (
                OPTED_OUT_REASON
                if preference.opted_out
                else f"canal en échec définitif : {preference.failed_reason}"
            )
            log.info("notification.not_sent", template=content.template, channel=to.channel)
            NOTIFICATIONS.labels(content.template, to.channel, FAILED).inc()
            failed = {**base, "state": FAILED, "reason": reason, "permanent": True, "at": now}
            return await self.delivery.outbox.create(failed, now=now)
        record = {
            **base,
            "state": PENDING,
            "address": to.address,
            "name": to.name,
            "extra": to.extra,
            "context": {**content.context, "opt_out_url": self._opt_out_url(point)},
            "attachments": [asdict(a) for a in attachments],
        }
        return await self.delivery.outbox.create(record, now=now)
