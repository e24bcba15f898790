"""What every channel adapter does with a citizen's message: de-duplicate, number, publish.

An adapter maps its channel's message to a `RequestDraft` (everything the channel knows);
`Intake.submit` gives it a request id, a reference, a tracking code (derived from the request
id, see shared/tokens.py: only its hash goes into the event) and a time, builds the one
`RequestSubmitted` and publishes it.

A delivery with a channel message id is recorded (state "pending", with the exact event)
before it is published; the unique `_id` of that record is the de-duplication. A redelivery
returns the first receipt and, unless the first attempt is known to be published, publishes
the same event (same event id) again, which every consumer ignores if it already has it.
That is also why "published" is recorded after the adapter has answered: a crash before it
only leaves a "pending" record, whose next redelivery republishes the same event id. Until it
is recorded, the process remembers the keys it has published, so a quick retry to the same
process is answered without publishing again.
"""

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

import structlog
from pydantic import BaseModel, ConfigDict, Field
from pymongo.asynchronous.database import AsyncDatabase

from shared.envelope import Envelope
from shared.events import (
    EVENT_MODELS,
    Attachment,
    Channel,
    Citizen,
    Event,
    FormData,
    Location,
    RequestSubmitted,
)
from shared.metrics import EVENTS_PUBLISHED, PUBLISH_FAILURES
from shared.mongo import Document, insert_once
from shared.references import ReferenceAllocator
from shared.tokens import TrackingKeys, hash_token

DELIVERIES = "deliveries"
log = structlog.get_logger(__name__)


class RequestDraft(BaseModel):
    """A new request as its channel knows it, before it gets its identifiers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    channel: Channel
    channel_message_id: str | None = None
    category: str | None = None
    subject: str | None = None
    description: str
    citizen: Citizen
    location: Location | None = None
    attachments: list[Attachment] = Field(default_factory=list)
    form: FormData | None = None
    raw_ref: str | None = None

    def to_event(
        self, *, request_id: str, reference: str, tracking_token_hash: str, submitted_at: datetime
    ) -> RequestSubmitted:
        """The request with its identifiers: the one place RequestSubmitted is built."""
        return RequestSubmitted(
            **dict(self),
            request_id=request_id,
            reference=reference,
            tracking_token_hash=tracking_token_hash,
            submitted_at=submitted_at,
        )


@dataclass(frozen=True)
class Receipt:
    request_id: str
    reference: str
    tracking_token: str | None
    duplicate: bool


def delivery_key(channel: Channel, channel_message_id: str | None) -> str | None:
    return f"{channel}:{channel_message_id}" if channel_message_id else None


class Publisher(Protocol):
    async def publish(self, envelope: Envelope, *, topic: str | None = None) -> int: ...


class References(Protocol):
    async def allocate(self, *, now: datetime) -> str: ...


class Deliveries(Protocol):
    """The record of every delivery with a channel message id, by `<channel>:<id>`."""

    async def find(self, key: str) -> Document | None: ...

    async def record(self, record: Document) -> bool:
        """Insert unless the key is known; True when inserted."""
        ...

    async def mark_published(self, key: str) -> None: ...


class MongoDeliveries:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._db = db

    async def find(self, key: str) -> Document | None:
        return await self._db[DELIVERIES].find_one({"_id": key})

    async def record(self, record: Document) -> bool:
        return await insert_once(self._db, DELIVERIES, record)

    async def mark_published(self, key: str) -> None:
        await self._db[DELIVERIES].update_one({"_id": key}, {"$set": {"state": "published"}})


class Intake:
    def __init__(
        self,
        *,
        deliveries: Deliveries,
        references: References,
        publisher: Publisher,
        source: str,
        keys: TrackingKeys,
    ) -> None:
        self._deliveries = deliveries
        self._keys = keys
        self._references = references
        self._publisher = publisher
        self._source = source
        self._marking: dict[str, asyncio.Task[None]] = {}  # published, not yet recorded so

    @classmethod
    def on_mongo(
        cls,
        *,
        db: AsyncDatabase[Document],
        publisher: Publisher,
        source: str,
        letter: str,
        keys: TrackingKeys,
    ) -> "Intake":
        return cls(
            deliveries=MongoDeliveries(db),
            references=ReferenceAllocator(db=db, letter=letter),
            publisher=publisher,
            source=source,
            keys=keys,
        )

    async def submit(
        self, draft: RequestDraft, *, delivery_id: str | None = None, correlation_id: str = ""
    ) -> Receipt:
        """Publish a new request once; raises BrokerUnavailable if Kafka did not acknowledge.

        Deliveries are told apart by `delivery_id`, or else by the draft's channel message id.
        """
        now = datetime.now(UTC)
        request_id = uuid.uuid4().hex
        token = self._keys.code(request_id)
        event = draft.to_event(
            request_id=request_id,
            reference=await self._references.allocate(now=now),
            tracking_token_hash=hash_token(token),
            submitted_at=now,
        )
        envelope = Envelope(data=event, source=self._source, correlation_id=correlation_id)
        key = delivery_key(draft.channel, delivery_id or draft.channel_message_id)
        if key and not await self._deliveries.record(_record(key, envelope, self._keys.version)):
            return await self._redeliver(key)
        await self.publish(envelope)
        if key:
            self._mark_after_answer(key)
        return Receipt(event.request_id, event.reference, token, duplicate=False)

    async def record_once(self, *, key: str, envelope: Envelope) -> bool:
        """Publish an event for a channel message seen for the first time (follow-ups)."""
        if not await self._deliveries.record(_record(key, envelope, None)):
            await self._redeliver(key)
            return False
        await self.publish(envelope)
        self._mark_after_answer(key)
        return True

    async def replay(self, *, channel: Channel, channel_message_id: str | None) -> Receipt | None:
        """The receipt of a delivery already recorded (republished if need be), else None."""
        key = delivery_key(channel, channel_message_id)
        if key is None or await self._deliveries.find(key) is None:
            return None
        return await self._redeliver(key)

    async def delivered(self, key: str) -> Document | None:
        """The record of a delivery, if there is one."""
        return await self._deliveries.find(key)

    async def publish(self, envelope: Envelope) -> None:
        try:
            await self._publisher.publish(envelope)
        except Exception:
            PUBLISH_FAILURES.labels(self._source).inc()
            raise
        EVENTS_PUBLISHED.labels(self._source, envelope.type).inc()

    async def settle(self) -> None:
        """Wait for the bookkeeping left after answering (tests, shutdown)."""
        while self._marking:
            await asyncio.gather(*self._marking.values(), return_exceptions=True)

    async def _redeliver(self, key: str) -> Receipt:
        previous = await self._deliveries.find(key)
        if previous is None:
            raise LookupError(f"delivery {key} was refused as known but cannot be read")
        envelope = _envelope_of(previous)
        if previous.get("state") != "published" and key not in self._marking:
            await self.publish(envelope)
            await self._deliveries.mark_published(key)
        request_id = envelope.data.request_id
        return Receipt(
            request_id,
            envelope.data.reference,
            self._code_of(previous, request_id),
            duplicate=True,
        )

    def _code_of(self, record: Document, request_id: str) -> str | None:
        """The code shown again to a redelivery: recomputed, never stored (older records kept
        the random code of their time)."""
        if version := record.get("tracking_key_version"):
            return self._keys.code_under(version, request_id)
        return record.get("tracking_token")

    def _mark_after_answer(self, key: str) -> None:
        """Record "published" after answering: its loss is safe (see the module docstring)."""
        task = asyncio.create_task(self._deliveries.mark_published(key))
        self._marking[key] = task
        task.add_done_callback(lambda done: self._marked(key, done))

    def _marked(self, key: str, task: asyncio.Task[None]) -> None:
        self._marking.pop(key, None)
        if not task.cancelled() and task.exception() is not None:
            log.warning("intake.mark_published_failed", error=repr(task.exception()))


def _record(key: str, envelope: Envelope, key_version: str | None) -> Document:
    return {
        "_id": key,
        "state": "pending",
        "event_id": envelope.id,
        "event_type": envelope.type,
        "event_time": envelope.time,
        "correlation_id": envelope.correlation_id,
        "source": envelope.source,
        "data": envelope.data.model_dump_json(),
        "tracking_key_version": key_version,  # the code itself is recomputed, never stored
    }


def _envelope_of(record: Document) -> Envelope:
    data: Event = EVENT_MODELS[record["event_type"]].model_validate_json(record["data"])
    return Envelope(
        data=data,
        source=record["source"],
        id=record["event_id"],
        time=record["event_time"],
        correlation_id=record["correlation_id"],
    )
