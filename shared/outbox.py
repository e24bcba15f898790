"""Transactional-outbox-lite: an event is stored next to the state change, then published.

A service first writes the event to its `outbox` collection (its id is the CloudEvents id),
then its state change, then tries to publish at once; a relay loop publishes whatever is
still pending (the broker was down, the process crashed in between). Delivery is therefore
at least once with a stable event id, which consumers de-duplicate on.
"""

import asyncio
import contextlib
import uuid
from datetime import UTC, datetime, timedelta

import structlog
from bson import Binary
from pymongo.asynchronous.database import AsyncDatabase

from shared.envelope import Envelope, Record, encode
from shared.errors import BrokerUnavailable
from shared.events import Event
from shared.events.stream import StreamEvent
from shared.kafka.producer import EventPublisher
from shared.mongo import Document, insert_once

log = structlog.get_logger(__name__)
OUTBOX = "outbox"
CLAIM_S = 30  # a claimed event not confirmed sent by then is sent again
KEEP_SENT_S = 7 * 24 * 3600


def encode_stream(event: StreamEvent, *, source: str, event_id: str, correlation_id: str) -> Record:
    """The record of a domain stream's event, keyed by the event's own key."""
    envelope = Envelope(data=event, source=source, id=event_id, correlation_id=correlation_id)
    return encode(envelope)


class Outbox:
    def __init__(
        self, *, db: AsyncDatabase[Document], publisher: EventPublisher, source: str
    ) -> None:
        self._db, self._publisher, self._source = db, publisher, source
        self._lock = asyncio.Lock()

    async def ensure_indexes(self) -> None:
        await self._db[OUTBOX].create_index([("published", 1), ("created_at", 1)])
        await self._db[OUTBOX].create_index([("published", 1), ("claimed_at", 1)])
        # Sent events are kept a week (to look into), then the store drops them.
        await self._db[OUTBOX].create_index("sent_at", expireAfterSeconds=KEEP_SENT_S)

    async def add(
        self,
        event: StreamEvent | Event,
        *,
        topic: str,
        event_id: str | None = None,
        correlation_id: str = "",
    ) -> str:
        """Store the event to publish (once per `event_id`); returns its id."""
        event_id = event_id or str(uuid.uuid4())
        envelope = Envelope(
            data=event, source=self._source, id=event_id, correlation_id=correlation_id
        )
        key, value, headers = encode(envelope)
        await insert_once(
            self._db,
            OUTBOX,
            {
                "_id": event_id,
                "topic": topic,
                "key": Binary(key),
                "value": Binary(value),
                "headers": [[k, Binary(v)] for k, v in headers],
                "published": False,
                "created_at": datetime.now(UTC),
            },
        )
        return event_id

    async def flush(self, *, limit: int = 500) -> int:
        """Publish pending events in order; returns how many went out (stops at the first
        broker failure, the next flush retries)."""
        async with self._lock:  # one flush at a time in this process: no double sends
            return await self._flush(limit)

    async def _due(self, limit: int) -> list[Document]:
        """Pending events, oldest first, then claims a crashed sender never confirmed."""
        outbox = self._db[OUTBOX]
        stale = datetime.now(UTC) - timedelta(seconds=CLAIM_S)
        fresh = await outbox.find({"published": False}).sort("created_at", 1).limit(limit).to_list()
        claimed = outbox.find({"published": None, "claimed_at": {"$lt": stale}}).limit(limit)
        return fresh + await claimed.to_list()

    async def _flush(self, limit: int) -> int:
        sent = 0
        for doc in await self._due(limit):
            # Claim it, so another replica's relay does not send it at the same time.
            claim = {"$set": {"published": None, "claimed_at": datetime.now(UTC)}}
            found = {"_id": doc["_id"], "published": doc["published"]}
            if not (await self._db[OUTBOX].update_one(found, claim)).modified_count:
                continue
            try:
                await self._publisher.send_raw(
                    topic=doc["topic"],
                    key=bytes(doc["key"]),
                    value=bytes(doc["value"]),
                    headers=[(k, bytes(v)) for k, v in doc["headers"]],
                )
            except BrokerUnavailable:
                await self._db[OUTBOX].update_one(
                    {"_id": doc["_id"]}, {"$set": {"published": False}}
                )
                log.warning("outbox.publish_deferred")
                break
            done = {"$set": {"published": True, "sent_at": datetime.now(UTC)}}
            await self._db[OUTBOX].update_one({"_id": doc["_id"]}, done)
            sent += 1
        return sent

    async def pending(self) -> int:
        return await self._db[OUTBOX].count_documents({"published": {"$in": [False, None]}})

    async def relay(self, *, interval_s: float = 2.0) -> None:
        """Publish pending events until cancelled."""
        while True:
            with contextlib.suppress(Exception):
                await self.flush()
            await asyncio.sleep(interval_s)
