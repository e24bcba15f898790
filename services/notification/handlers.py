"""Tell the citizen: acknowledgement, status changes, agents' replies and questions, merges.

Idempotent by triggering event: the notification id (and the email's Message-ID) derive from
the event id, and the ledger remembers each outcome. A redelivered event sends nothing again;
it only republishes the outcome event if that had not been acknowledged (same event id, so
consumers ignore the duplicate). A crash between the SMTP server's acceptance and the ledger
write means at most one duplicate email, carrying the same Message-ID so mail clients can
de-duplicate it.
"""

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any, Protocol

import structlog
from prometheus_client import Counter
from pymongo.asynchronous.database import AsyncDatabase

from services.notification.contacts import Contact, Contacts
from services.notification.decisions import (
    EMAIL,
    Skip,
    Undeliverable,
    choose_channel,
    tells_citizen,
)
from services.notification.ledger import Ledger, Outcome, notification_id, outcome_event_id
from services.notification.messages import (
    Mail,
    Recipient,
    acknowledgement,
    agent_reply,
    citizen_asked,
    compose,
    request_merged,
    status_update,
)
from services.notification.settings import SOURCE, NotificationSettings
from services.notification.smtp import RecipientRefused, SmtpMailer
from shared.envelope import Envelope
from shared.events import (
    AgentReplied,
    CitizenAsked,
    Event,
    NotificationFailed,
    NotificationSent,
    RequestMerged,
    RequestRouted,
    RequestStatusChanged,
    RequestSubmitted,
)
from shared.kafka.handlers import Handlers
from shared.kafka.producer import EventPublisher
from shared.mongo import Document

log = structlog.get_logger(__name__)
NOTIFICATIONS = Counter(
    "relais_notifications_total", "Notifications by template and outcome", ["template", "outcome"]
)
ACKNOWLEDGEMENT = "acknowledgement"
STATUS_CHANGED = "status_changed"
AGENT_REPLY = "agent_reply"
CITIZEN_ASKED = "citizen_asked"
REQUEST_MERGED = "request_merged"


class Render(Protocol):
    def __call__(self, *, recipient: Recipient) -> Mail: ...


class Notifier:
    def __init__(
        self,
        *,
        db: AsyncDatabase[Document],
        publisher: EventPublisher,
        mailer: SmtpMailer,
        settings: NotificationSettings,
    ) -> None:
        self.contacts = Contacts(db=db)
        self.ledger = Ledger(db=db)
        self._publisher = publisher
        self._mailer = mailer
        self._settings = settings
        self._slots = asyncio.Semaphore(settings.max_parallel_sends)
        self._each = Handlers()
        self._each.register(RequestSubmitted, self.on_submitted)
        self._each.register(RequestRouted, self.on_routed)
        self._each.register(RequestStatusChanged, self.on_status_changed)
        # Agents' public words only: InternalNoteAdded is deliberately never registered.
        self._each.register(AgentReplied, self.on_agent_replied)
        self._each.register(CitizenAsked, self.on_citizen_asked)
        self._each.register(RequestMerged, self.on_merged)

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

    async def on_submitted(self, envelope: Envelope[RequestSubmitted]) -> None:
        await self.contacts.remember(envelope.data)

    async def on_routed(self, envelope: Envelope[RequestRouted]) -> None:
        routed = envelope.data
        contact = await self.contacts.get(request_id=routed.request_id)
        render = partial(acknowledgement, routed, settings=self._settings)
        await self._notify(envelope, contact, template=ACKNOWLEDGEMENT, render=render)

    async def on_status_changed(self, envelope: Envelope[RequestStatusChanged]) -> None:
        changed = envelope.data
        if not tells_citizen(changed):
            return
        contact = await self.contacts.get(request_id=changed.request_id)
        render = partial(status_update, changed, settings=self._settings)
        await self._notify(envelope, contact, template=STATUS_CHANGED, render=render)

    async def on_agent_replied(self, envelope: Envelope[AgentReplied]) -> None:
        render = partial(agent_reply, envelope.data, settings=self._settings)
        await self._tell(envelope, template=AGENT_REPLY, render=render)

    async def on_citizen_asked(self, envelope: Envelope[CitizenAsked]) -> None:
        render = partial(citizen_asked, envelope.data, settings=self._settings)
        await self._tell(envelope, template=CITIZEN_ASKED, render=render)

    async def on_merged(self, envelope: Envelope[RequestMerged]) -> None:
        """The citizen of the duplicate is told where their request goes on."""
        render = partial(request_merged, envelope.data, settings=self._settings)
        await self._tell(envelope, template=REQUEST_MERGED, render=render)

    async def _tell(self, envelope: Envelope[Any], *, template: str, render: Render) -> None:
        contact = await self.contacts.get(request_id=envelope.data.request_id)
        await self._notify(envelope, contact, template=template, render=render)

    async def _notify(
        self, envelope: Envelope[Any], contact: Contact, *, template: str, render: Render
    ) -> None:
        notification = notification_id(envelope.id)
        outcome = await self.ledger.get(notification)
        if outcome is None:
            outcome = await self._attempt(notification, contact, template=template, render=render)
            if outcome is None:
                return
            await self.ledger.record(outcome)
            NOTIFICATIONS.labels(template, outcome.state).inc()
            log.info(
                "notification.done",
                notification_id=notification,
                reference=contact.reference,
                template=template,
                state=outcome.state,
                channel=outcome.channel,
            )
        if not outcome.published:
            await self._publisher.publish(outcome_envelope(envelope, outcome))
            await self.ledger.mark_published(notification)

    async def _attempt(
        self, notification: str, contact: Contact, *, template: str, render: Render
    ) -> Outcome | None:
        decision = choose_channel(contact)
        now = datetime.now(UTC)
        base = Outcome(
            notification_id=notification,
            request_id=contact.request_id,
            reference=contact.reference,
            state="sent",
            channel=EMAIL,
            template=template,
            at=now,
        )
        if isinstance(decision, Skip):
            NOTIFICATIONS.labels(template, "skipped").inc()
            log.info("notification.skipped", reference=contact.reference, reason=decision.reason)
            return None
        if isinstance(decision, Undeliverable):
            return _failed(base, decision.channel, decision.reason, permanent=decision.permanent)
        message = compose(
            render(recipient=decision.recipient),
            recipient=decision.recipient,
            reference=contact.reference,
            notification_id=notification,
            settings=self._settings,
            now=now,
            in_reply_to=None if template == ACKNOWLEDGEMENT else contact.acknowledgement_id,
        )
        try:
            await self._mailer.send(message)
        except RecipientRefused as exc:
            return _failed(base, EMAIL, f"SMTP {exc.code} {exc.reason}", permanent=True)
        if template == ACKNOWLEDGEMENT:
            await self.contacts.acknowledged(
                request_id=contact.request_id, message_id=message["Message-ID"]
            )
        return Outcome(**{**base.__dict__, "message_id": message["Message-ID"]})


def _failed(base: Outcome, channel: str, reason: str, *, permanent: bool) -> Outcome:
    return Outcome(
        **{
            **base.__dict__,
            "state": "failed",
            "channel": channel,
            "reason": reason[:1000],
            "permanent": permanent,
        }
    )


def outcome_envelope(
    trigger: Envelope[Any], outcome: Outcome
) -> Envelope[NotificationSent | NotificationFailed]:
    """NotificationSent or NotificationFailed, with an id fixed by the notification."""
    common = {
        "request_id": outcome.request_id,
        "reference": outcome.reference,
        "notification_id": outcome.notification_id,
        "channel": outcome.channel,
    }
    data: NotificationSent | NotificationFailed
    if outcome.state == "sent":
        data = NotificationSent(
            **common, template=outcome.template, message_id=outcome.message_id, sent_at=outcome.at
        )
    else:
        data = NotificationFailed(
            **common,
            reason=outcome.reason or "unknown",
            permanent=outcome.permanent,
            failed_at=outcome.at,
        )
    event_id = outcome_event_id(outcome.notification_id, outcome.state)
    return trigger.caused(data, source=SOURCE, id=event_id)
