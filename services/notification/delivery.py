"""Sending one outbox record through its channel, and the sweeper that retries waiting ones.

- `Sent`: the record is `sent`, NotificationSent published.
- `TransientError`: `waiting` until `retry_at` or an exponential backoff; after
  `send_attempts` tries, `failed` (not permanent: an agent may reach the citizen otherwise).
- `PermanentError`: `failed` for good, NotificationFailed(permanent=True) published, and the
  contact point remembered as failed so this channel is not tried again for it.
The partition is never held: a waiting record is the sweeper's, which runs in the service
(`sweep_interval_s`) and, at start-up, takes over records a killed process left pending.
"""

import asyncio
import contextlib
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from prometheus_client import Counter

from services.notification.channels.base import (
    Attachment,
    Channel,
    ContactPoint,
    Notice,
    PermanentError,
    TransientError,
)
from services.notification.contacts import Contacts
from services.notification.ledger import (
    FAILED,
    SENT,
    WAITING,
    Outbox,
    outcome_event_id,
)
from services.notification.messages import ACKNOWLEDGEMENT, link_context
from services.notification.preferences import Preferences
from services.notification.settings import SOURCE, NotificationSettings
from shared.envelope import Envelope
from shared.events import NotificationFailed, NotificationSent
from shared.kafka.producer import EventPublisher
from shared.mongo import Document

log = structlog.get_logger(__name__)
NOTIFICATIONS = Counter(
    "relais_notifications_total",
    "Notifications by template, channel and outcome",
    ["template", "channel", "outcome"],
)


class Delivery:
    def __init__(
        self,
        *,
        outbox: Outbox,
        channels: Mapping[str, Channel],
        preferences: Preferences,
        contacts: Contacts,
        publisher: EventPublisher,
        settings: NotificationSettings,
    ) -> None:
        self.outbox = outbox
        self.channels = channels
        self._preferences = preferences
        self._contacts = contacts
        self._publisher = publisher
        self._settings = settings

    async def send(self, record: Document) -> Document:
        """Send a record we hold the lease of; its new state is settled and returned."""
        now = datetime.now(UTC)
        channel = self.channels.get(record["channel"])
        attempts = record.get("attempts", 0) + 1
        if channel is None:
            reason = f"channel {record['channel']} is not configured"
            return await self._settle(record, now, state=FAILED, reason=reason, permanent=False)
        try:
            notice = _notice(record, settings=self._settings)
            sent = await channel.send(notice, await self._threaded(record))
        except TransientError as exc:
            return await self._retry_later(record, now, attempts=attempts, error=exc)
        except PermanentError as exc:
            await self._preferences.failed(record["channel"], record["address"], reason=exc.reason)
            return await self._settle(
                record, now, state=FAILED, reason=exc.reason, permanent=True, attempts=attempts
            )
        if record["template"] == ACKNOWLEDGEMENT and record["channel"] == "email":
            await self._contacts.acknowledged(
                request_id=record["request_id"], message_id=sent.provider_id or ""
            )
        return await self._settle(
            record, now, state=SENT, provider_id=sent.provider_id, attempts=attempts
        )

    async def _threaded(self, record: Document) -> ContactPoint:
        """An email queued before the acknowledgement went out still answers it."""
        point = _point(record)
        if point.channel != "email" or record["template"] == ACKNOWLEDGEMENT:
            return point
        if record.get("direct"):
            return point
        if "in_reply_to" in point.extra:
            return point
        contact = await self._contacts.get(request_id=record["request_id"])
        if not contact.acknowledgement_id:
            return point
        return replace(point, extra={**point.extra, "in_reply_to": contact.acknowledgement_id})

    async def _retry_later(
        self, record: Document, now: datetime, *, attempts: int, error: TransientError
    ) -> Document:
        settings = self._settings
        if attempts >= settings.send_attempts:
            return await self._settle(
                record, now, state=FAILED, reason=error.reason, permanent=False, attempts=attempts
            )
        backoff = min(settings.send_backoff_max_s, settings.send_backoff_s * 2 ** (attempts - 1))
        at = error.retry_at or now + timedelta(seconds=backoff)
        log.info("notification.waiting", key=record["_id"], attempts=attempts, until=at)
        return await self._settle(
            record, now, state=WAITING, reason=error.reason, attempts=attempts, next_attempt_at=at
        )

    async def _settle(self, record: Document, now: datetime, **fields: Any) -> Document:
        fields.setdefault("at", now)
        if "reason" in fields:
            fields["reason"] = str(fields["reason"])[:1000]
        await self.outbox.settle(record["_id"], now=now, **fields)
        if fields["state"] != WAITING:
            NOTIFICATIONS.labels(record["template"], record["channel"], fields["state"]).inc()
            log.info(
                "notification.done",
                notification_id=record["_id"],
                reference=record["reference"],
                template=record["template"],
                channel=record["channel"],
                state=fields["state"],
            )
        return {**record, **fields}

    async def publish(self, record: Document) -> None:
        """The outcome on the request's timeline; a notice of no request (a receipt, an
        appointment of nobody's request) keeps its outcome in the outbox only."""
        if record["state"] in (SENT, FAILED) and not record.get("published"):
            if record.get("request_id"):
                await self._publisher.publish(outcome_envelope(record))
            await self.outbox.mark_published(record["_id"])

    async def sweep(self) -> int:
        """Send what is due and publish what was not; how many records were handled.

        A request whose earlier notice is still waiting keeps its later ones waiting too.
        """
        now = datetime.now(UTC)
        handled, held = 0, set()
        for due in await self.outbox.due(now=now, limit=100):
            if due.get("request_id") and due["request_id"] in held:
                continue
            record = await self.outbox.claim(due["_id"], now=now)
            if record is not None:
                record = await self.send(record)
            else:
                record = await self.outbox.get(due["_id"])
            if record is None:
                continue
            if record["state"] == WAITING and record.get("request_id"):
                held.add(record["request_id"])
            await self.publish(record)
            handled += 1
        return handled

    async def run_sweeper(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.sweep()
            except Exception:
                log.exception("notification.sweep_failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self._settings.sweep_interval_s)


def _notice(record: Document, *, settings: NotificationSettings) -> Notice:
    """The record's notice, with the status link and code recomputed (the outbox keeps
    neither) when it is about a request."""
    links = {}
    if record.get("request_id") and not record.get("direct"):
        links = link_context(
            settings,
            template=record["template"],
            reference=record["reference"],
            request_id=record["request_id"],
            token_hash=record.get("token_hash"),
        )
    return Notice(
        key=record["_id"],
        request_id=record.get("request_id") or "",
        reference=record.get("reference") or "",
        template=record["template"],
        context={**record["context"], **links},
        created_at=record["created_at"],
        attachments=tuple(Attachment(**a) for a in record.get("attachments") or ()),
    )


def _point(record: Document) -> ContactPoint:
    return ContactPoint(
        channel=record["channel"],
        address=record["address"],
        name=record.get("name"),
        extra=record.get("extra") or {},
    )


def outcome_envelope(record: Document) -> Envelope[NotificationSent | NotificationFailed]:
    """NotificationSent or NotificationFailed, with an id fixed by the notice."""
    common = {
        "request_id": record["request_id"],
        "reference": record["reference"],
        "notification_id": record["_id"],
        "channel": record["channel"],
    }
    data: NotificationSent | NotificationFailed
    if record["state"] == SENT:
        data = NotificationSent(
            **common,
            template=record["template"],
            message_id=record.get("provider_id"),
            sent_at=record["at"],
        )
    else:
        data = NotificationFailed(
            **common,
            reason=record.get("reason") or "unknown",
            permanent=record.get("permanent", True),
            failed_at=record["at"],
        )
    trigger = record.get("trigger") or {}
    return Envelope(
        data=data,
        source=SOURCE,
        id=outcome_event_id(record["_id"], record["state"]),
        correlation_id=trigger.get("correlation_id", ""),
        causation_id=trigger.get("id"),
    )
