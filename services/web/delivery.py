"""One citizen message from a conversational channel (Facebook, chatbot): a new request,
or a follow-up of the request its sender or conversation already has.

A message id is delivered once whatever its first outcome was: the de-duplication key is the
one Intake uses (`<channel>:<message id>`) for both kinds, so a redelivered message repeats
its first outcome (republishing its stored event if Kafka never acknowledged it) instead of
becoming a second request or a second follow-up.
"""

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from services.web.context import Web
from services.web.settings import SOURCE
from services.web.threads import Target
from shared.envelope import Envelope
from shared.events import Channel, CitizenMessageReceived
from shared.intake import RequestDraft, delivery_key
from shared.mongo import Document


@dataclass(frozen=True)
class Message:
    channel: Channel
    message_id: str
    text: str
    thread_key: str
    draft: RequestDraft  # the new request it opens, if it follows none; raw_ref added later


@dataclass(frozen=True)
class Outcome:
    target: Target
    follow_up: bool
    duplicate: bool
    tracking_token: str | None = None


class LazyRaw:
    """Keeps the raw original once, the first time an event needs its reference."""

    def __init__(self, keep: Callable[[], Awaitable[str]]) -> None:
        self._keep = keep
        self._ref: str | None = None

    async def ref(self) -> str:
        if self._ref is None:
            self._ref = await self._keep()
        return self._ref


async def deliver(
    web: Web,
    *,
    message: Message,
    find_target: Callable[[], Awaitable[Target | None]],
    raw: LazyRaw,
    correlation_id: str,
) -> Outcome:
    """Publish the message's event once; raises BrokerUnavailable if Kafka did not ack."""
    async with web.conversations.hold(message.thread_key):
        return await _deliver(web, message, find_target, raw, correlation_id)


async def _deliver(
    web: Web,
    message: Message,
    find_target: Callable[[], Awaitable[Target | None]],
    raw: LazyRaw,
    correlation_id: str,
) -> Outcome:
    intake = web.intakes[message.channel]
    key = delivery_key(message.channel, message.message_id)
    assert key is not None
    prior = await intake.delivered(key)
    if prior is None:
        target, raw_ref = await find_target(), await raw.ref()
    else:  # the stored event is what counts; nothing new is kept
        target, raw_ref = _followed(prior), None
    if target is not None:
        event = CitizenMessageReceived(
            request_id=target.request_id,
            reference=target.reference,
            channel=message.channel,
            channel_message_id=message.message_id,
            text=message.text,
            received_at=datetime.now(UTC),
            raw_ref=raw_ref,
        )
        envelope = Envelope(data=event, source=SOURCE, correlation_id=correlation_id)
        new = await intake.record_once(key=key, envelope=envelope)
        return Outcome(target, follow_up=True, duplicate=not new)
    draft = message.draft.model_copy(update={"raw_ref": raw_ref})
    receipt = await intake.submit(draft, correlation_id=correlation_id)
    target = Target(receipt.request_id, receipt.reference)
    await web.threads.link(key=message.thread_key, target=target, replace=not receipt.duplicate)
    return Outcome(
        target, follow_up=False, duplicate=receipt.duplicate, tracking_token=receipt.tracking_token
    )


def _followed(prior: Document) -> Target | None:
    """The request a delivered follow-up went to; None if the delivery opened a request."""
    if prior.get("event_type") != CitizenMessageReceived.event_type:
        return None
    first = json.loads(prior["data"])
    return Target(first["request_id"], first["reference"])
