"""What every channel adapter does with a citizen's message: de-duplicate, number, publish.

A delivery is recorded (state "pending", with the exact event) before it is published and
marked "published" after Kafka acknowledges. A redelivery of the same channel message id
returns the first receipt; if the first attempt never got its acknowledgement, the same
event (same event id) is published again, which every consumer ignores if it already has it.
"""

import hashlib
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from pymongo.asynchronous.database import AsyncDatabase

from shared.envelope import Envelope
from shared.events import EVENT_MODELS, Channel, Event, RequestSubmitted
from shared.kafka.producer import EventPublisher
from shared.metrics import EVENTS_PUBLISHED, PUBLISH_FAILURES
from shared.mongo import Document, insert_once
from shared.references import ReferenceAllocator

DELIVERIES = "deliveries"


@dataclass(frozen=True)
class Identity:
    """Identifiers given to a new request before its event is built."""

    request_id: str
    reference: str
    tracking_token_hash: str
    received_at: datetime


@dataclass(frozen=True)
class Receipt:
    request_id: str
    reference: str
    tracking_token: str | None
    duplicate: bool


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Intake:
    def __init__(
        self, *, db: AsyncDatabase[Document], publisher: EventPublisher, source: str, letter: str
    ) -> None:
        self._db = db
        self._publisher = publisher
        self._source = source
        self._references = ReferenceAllocator(db=db, letter=letter)

    async def submit(
        self,
        *,
        channel: Channel,
        channel_message_id: str | None,
        build: Callable[[Identity], RequestSubmitted],
        correlation_id: str = "",
    ) -> Receipt:
        """Publish a new request once; raises BrokerUnavailable if Kafka did not acknowledge."""
        key = f"{channel}:{channel_message_id}" if channel_message_id else None
        if key and (previous := await self._db[DELIVERIES].find_one({"_id": key})):
            return await self._redeliver(previous)
        now = datetime.now(UTC)
        token = secrets.token_urlsafe(18)
        identity = Identity(
            request_id=uuid.uuid4().hex,
            reference=await self._references.allocate(now=now),
            tracking_token_hash=hash_token(token),
            received_at=now,
        )
        envelope = Envelope(
            data=build(identity), source=self._source, correlation_id=correlation_id
        )
        if key and not await insert_once(self._db, DELIVERIES, _record(key, envelope, token)):
            previous = await self._db[DELIVERIES].find_one({"_id": key})
            return await self._redeliver(previous or {})
        await self.publish(envelope)
        if key:
            await self._db[DELIVERIES].update_one({"_id": key}, {"$set": {"state": "published"}})
        return Receipt(identity.request_id, identity.reference, token, duplicate=False)

    async def record_once(self, *, key: str, envelope: Envelope) -> bool:
        """Publish an event for a channel message seen for the first time (follow-ups)."""
        if previous := await self._db[DELIVERIES].find_one({"_id": key}):
            if previous.get("state") != "published":
                await self._redeliver(previous)
            return False
        if not await insert_once(self._db, DELIVERIES, _record(key, envelope, None)):
            return False
        await self.publish(envelope)
        await self._db[DELIVERIES].update_one({"_id": key}, {"$set": {"state": "published"}})
        return True

    async def publish(self, envelope: Envelope) -> None:
        try:
            await self._publisher.publish(envelope)
        except Exception:
            PUBLISH_FAILURES.labels(self._source).inc()
            raise
        EVENTS_PUBLISHED.labels(self._source, envelope.type).inc()

    async def _redeliver(self, previous: Document) -> Receipt:
        envelope = _envelope_of(previous)
        if previous.get("state") != "published":
            await self.publish(envelope)
            await self._db[DELIVERIES].update_one(
                {"_id": previous["_id"]}, {"$set": {"state": "published"}}
            )
        return Receipt(
            envelope.data.request_id,
            envelope.data.reference,
            previous.get("tracking_token"),
            duplicate=True,
        )


def _record(key: str, envelope: Envelope, token: str | None) -> Document:
    return {
        "_id": key,
        "state": "pending",
        "event_id": envelope.id,
        "event_type": envelope.type,
        "event_time": envelope.time,
        "correlation_id": envelope.correlation_id,
        "source": envelope.source,
        "data": envelope.data.model_dump_json(),
        "tracking_token": token,
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
