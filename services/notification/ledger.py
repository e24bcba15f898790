"""The outbox: one record per notice (triggering event, recipient, channel), written before
anything is sent.

States: `pending` (written, being sent), `waiting` (a transient failure; `next_attempt_at`
says when the sweeper tries again), `sent` and `failed` (final; `published` once the outcome
event is on the log). Whoever sends holds a lease (`lease_until`), so a handler and the
sweeper never send the same notice at once; a process killed mid-send leaves its lease to
expire and the sweeper sends again with the same key (at most one duplicate, same
Message-ID / idempotency key).
"""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from shared.mongo import Document

OUTBOX = "notifications"
NAMESPACE = uuid.UUID("0b8f5f3e-7a52-4f0e-9a0c-3d2b61f1c7a4")
PENDING, WAITING, SENT, FAILED = "pending", "waiting", "sent", "failed"
OPEN = [PENDING, WAITING]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def notification_id(trigger_event_id: str) -> str:
    """The same trigger always gives the same notice key (and the same Message-ID)."""
    return str(uuid.uuid5(NAMESPACE, trigger_event_id))


def outcome_event_id(notification: str, state: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{notification}:{state}"))


class Outbox:
    def __init__(self, *, db: AsyncDatabase[Document], lease_s: float) -> None:
        self._db = db
        self._lease = timedelta(seconds=lease_s)

    async def ensure_indexes(self) -> None:
        await self._db[OUTBOX].create_index([("state", 1), ("next_attempt_at", 1)])
        await self._db[OUTBOX].create_index([("request_id", 1), ("state", 1)])

    async def get(self, key: str) -> Document | None:
        return await self._db[OUTBOX].find_one({"_id": key})

    async def create(self, record: Document, *, now: datetime) -> Document:
        """A new record, leased to its creator unless it waits for the sweeper."""
        record = {
            "attempts": 0,
            "next_attempt_at": now,
            # Its creator sends it (pending) or publishes it (failed); the sweeper waits.
            "lease_until": EPOCH if record["state"] == WAITING else now + self._lease,
            "published": False,
            "created_at": now,
            **record,
        }
        fields = {k: v for k, v in record.items() if k != "_id"}
        await self._db[OUTBOX].update_one({"_id": record["_id"]}, {"$set": fields}, upsert=True)
        return record

    async def waiting_for(self, request_id: str) -> Document | None:
        """An earlier notice of this request still to be sent: later ones queue behind it."""
        return await self._db[OUTBOX].find_one({"request_id": request_id, "state": WAITING})

    async def claim(self, key: str, *, now: datetime) -> Document | None:
        """The record, leased to us, if it is due and nobody holds it."""
        return await self._db[OUTBOX].find_one_and_update(
            {
                "_id": key,
                "state": {"$in": OPEN},
                "next_attempt_at": {"$lte": now},
                "lease_until": {"$lte": now},
            },
            {"$set": {"lease_until": now + self._lease}},
            return_document=ReturnDocument.AFTER,
        )

    async def settle(self, key: str, *, now: datetime, **fields: Any) -> None:
        """A new state; a final one keeps the lease a while, for its creator to publish."""
        final = fields.get("state") in (SENT, FAILED)
        lease_until = now + self._lease if final else EPOCH
        await self._db[OUTBOX].update_one(
            {"_id": key}, {"$set": {**fields, "lease_until": lease_until}}
        )

    async def mark_published(self, key: str) -> None:
        await self._db[OUTBOX].update_one({"_id": key}, {"$set": {"published": True}})

    async def due(self, *, now: datetime, limit: int) -> list[Document]:
        """Open records whose time has come (oldest first), and unpublished outcomes: their
        `_id` and `request_id`."""
        open_due = self._db[OUTBOX].find(
            {"state": {"$in": OPEN}, "next_attempt_at": {"$lte": now}},
            {"_id": 1, "request_id": 1, "lease_until": 1},
            sort=[("next_attempt_at", 1), ("created_at", 1)],
            limit=limit,
        )
        unpublished = self._db[OUTBOX].find(
            {"state": {"$in": [SENT, FAILED]}, "published": False},
            {"_id": 1, "request_id": 1, "lease_until": 1},
            limit=limit,
        )
        found = []
        for cursor in (open_due, unpublished):
            for doc in await cursor.to_list(None):
                if _aware(doc.get("lease_until", EPOCH)) <= now:
                    found.append(doc)
        return found


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
