"""Tell the citizen: acknowledgement, status changes, agents' replies and questions, merges.

Each triggering event gives at most one notice (one recipient, one channel), keyed by the
event id. Its outbox record is written before anything is sent; a redelivered event finds the
record and sends nothing again (it only publishes the outcome event if that had not been
acknowledged, with the same event id). Opted-out contact points and channels that failed for
good get nothing: NotificationFailed(permanent=True) says so on the timeline. Bounces the
email adapter reports mark the email contact point as failed for good.
"""

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any, Protocol

import structlog

from services.notification.channels.base import ContactPoint
from services.notification.contacts import Contact, Contacts
from services.notification.decisions import Skip, Undeliverable, choose_channel, tells_citizen
from services.notification.delivery import NOTIFICATIONS, Delivery
from services.notification.ledger import FAILED, PENDING, WAITING, notification_id
from services.notification.messages import (
    Content,
    acknowledgement,
    agent_reply,
    citizen_asked,
    common,
    request_merged,
    status_update,
)
from services.notification.preferences import (
    OPTED_OUT_REASON,
    OptOutTokens,
    Preferences,
    point_id,
)
from services.notification.settings import SOURCE, NotificationSettings
from shared.envelope import Envelope
from shared.events import (
    AgentReplied,
    CitizenAsked,
    CitizenMessageReceived,
    Event,
    NotificationFailed,
    RequestMerged,
    RequestRouted,
    RequestStatusChanged,
    RequestSubmitted,
)
from shared.kafka.handlers import Handlers
from shared.mongo import Document

log = structlog.get_logger(__name__)


class Build(Protocol):
    def __call__(self) -> Content: ...


class Notifier:
    def __init__(
        self,
        *,
        delivery: Delivery,
        contacts: Contacts,
        preferences: Preferences,
        tokens: OptOutTokens,
        settings: NotificationSettings,
    ) -> None:
        self.delivery = delivery
        self.contacts = contacts
        self.preferences = preferences
        self._tokens = tokens
        self._settings = settings
        self._slots = asyncio.Semaphore(settings.max_parallel_sends)
        self._each = Handlers()
        self._each.register(RequestSubmitted, self.on_submitted)
        self._each.register(CitizenMessageReceived, self.on_citizen_message)
        self._each.register(RequestRouted, self.on_routed)
        self._each.register(RequestStatusChanged, self.on_status_changed)
        # Agents' public words only: InternalNoteAdded is deliberately never registered.
        self._each.register(AgentReplied, self.on_agent_replied)
        self._each.register(CitizenAsked, self.on_citizen_asked)
        self._each.register(RequestMerged, self.on_merged)
        self._each.register(NotificationFailed, self.on_failed)

    def handlers(self) -> Handlers:
        handlers = Handlers()
        handlers.register_batch(self._each.event_types, self.on_events)
        return handlers

    async def on_events(self, envelopes: Sequence[Envelope[Event]]) -> None:
        """Requests in parallel (bounded), each request's events strictly in log order."""
        chains: dict[str, list[Envelope[Event]]] = {}
        for envelope in envelopes:
            chains.setdefault(envelope.data.request_id, []).append(envelope)
        outcomes = await asyncio.gather(
            *map(self._in_order, chains.values()), return_exceptions=True
        )
        # Every chain has ended before the batch fails: a retry never races a send in flight.
        if failed := next((o for o in outcomes if isinstance(o, BaseException)), None):
            raise failed

    async def _in_order(self, chain: list[Envelope[Event]]) -> None:
        for envelope in chain:
            if handler := self._each.handler_for(type(envelope.data)):
                async with self._slots:
                    await handler(envelope)

    async def opt_out(self, channel: str, address: str) -> None:
        """Nothing more to this contact point (the SMS gateway's "STOP")."""
        await self.preferences.opt_out(channel, address)

    async def on_submitted(self, envelope: Envelope[RequestSubmitted]) -> None:
        await self.contacts.remember(envelope.data)
        point = choose_channel(await self.contacts.get(request_id=envelope.data.request_id))
        if isinstance(point, ContactPoint):
            await self.preferences.consent(point.channel, point.address, source="intake")

    async def on_citizen_message(self, envelope: Envelope[CitizenMessageReceived]) -> None:
        await self.contacts.heard_from(envelope.data)

    async def on_failed(self, envelope: Envelope[NotificationFailed]) -> None:
        """A bounce reported by the email adapter: that address is not written to again."""
        failed = envelope.data
        if envelope.source == SOURCE or failed.channel != "email" or not failed.permanent:
            return
        record = await self.delivery.outbox.get(failed.notification_id)
        if record is not None:
            await self.preferences.failed("email", record["address"], reason=failed.reason)

    async def on_routed(self, envelope: Envelope[RequestRouted]) -> None:
        await self._tell(envelope, partial(acknowledgement, envelope.data, settings=self._settings))

    async def on_status_changed(self, envelope: Envelope[RequestStatusChanged]) -> None:
        if tells_citizen(envelope.data):
            build = partial(status_update, envelope.data, settings=self._settings)
            await self._tell(envelope, build)

    async def on_agent_replied(self, envelope: Envelope[AgentReplied]) -> None:
        await self._tell(envelope, partial(agent_reply, envelope.data, settings=self._settings))

    async def on_citizen_asked(self, envelope: Envelope[CitizenAsked]) -> None:
        await self._tell(envelope, partial(citizen_asked, envelope.data, settings=self._settings))

    async def on_merged(self, envelope: Envelope[RequestMerged]) -> None:
        """The citizen of the duplicate is told where their request goes on."""
        build = partial(request_merged, envelope.data, settings=self._settings)
        await self._tell(envelope, build)

    async def _tell(self, envelope: Envelope[Any], build: Build) -> None:
        key = notification_id(envelope.id)
        now = datetime.now(UTC)
        record = await self.delivery.outbox.get(key)
        if record is None:
            contact = await self.contacts.get(request_id=envelope.data.request_id)
            record = await self._record(envelope, key, contact, build(), now=now)
            if record is None:
                return
            if record["state"] == PENDING:
                record = await self.delivery.send(record)
        elif claimed := await self.delivery.outbox.claim(key, now=now):
            record = await self.delivery.send(claimed)  # a send a killed process left
        await self.delivery.publish(record)

    async def _record(
        self,
        envelope: Envelope[Any],
        key: str,
        contact: Contact,
        content: Content,
        *,
        now: datetime,
    ) -> Document | None:
        """The outbox record of this notice: pending, or already failed; None when skipped."""
        decision = choose_channel(contact)
        if isinstance(decision, Skip):
            NOTIFICATIONS.labels(content.template, "none", "skipped").inc()
            log.info("notification.skipped", reference=contact.reference, reason=decision.reason)
            return None
        base: Document = {
            "_id": key,
            "request_id": contact.request_id,
            "reference": contact.reference,
            "template": content.template,
            "trigger": {
                "id": envelope.id,
                "correlation_id": envelope.correlation_id or envelope.id,
            },
        }
        if isinstance(decision, Undeliverable):
            return await self._failed(base, decision.channel, "", decision.reason, now=now)
        point = point_id(decision.channel, decision.address)
        preference = await self.preferences.of(point)
        if preference.opted_out:
            log.info("notification.opted_out", reference=contact.reference)
            NOTIFICATIONS.labels(content.template, decision.channel, "opted_out").inc()
            return await self._failed(base, decision.channel, point, OPTED_OUT_REASON, now=now)
        if preference.failed_reason:
            reason = f"canal en échec définitif : {preference.failed_reason}"
            return await self._failed(base, decision.channel, point, reason, now=now)
        context = {
            **common(self._settings, name=contact.name, reference=contact.reference),
            **content.context,
            "opt_out_url": self.opt_out_url(point),
        }
        record = {
            **base,
            **await self._queued(contact.request_id),
            "channel": decision.channel,
            "address": decision.address,
            "name": decision.name,
            "extra": decision.extra,
            "point": point,
            "token_hash": contact.tracking_token_hash,
            "context": context,
        }
        return await self.delivery.outbox.create(record, now=now)

    async def _queued(self, request_id: str) -> Document:
        """Pending (sent now), or waiting behind an earlier notice so the citizen reads them
        in order."""
        earlier = await self.delivery.outbox.waiting_for(request_id)
        if earlier is None:
            return {"state": PENDING}
        return {"state": WAITING, "next_attempt_at": earlier["next_attempt_at"]}

    async def _failed(
        self, base: Document, channel: str, point: str, reason: str, *, now: datetime
    ) -> Document:
        NOTIFICATIONS.labels(base["template"], channel, FAILED).inc()
        record = {
            **base,
            "state": FAILED,
            "channel": channel,
            "point": point,
            "reason": reason,
            "permanent": True,
            "at": now,
        }
        return await self.delivery.outbox.create(record, now=now)

    def opt_out_url(self, point: str) -> str:
        base = self._settings.public_notification_url.rstrip("/")
        return f"{base}/v1/preferences/{self._tokens.issue(point)}"
