"""What became of each notification, keyed by its id (derived from the triggering event id).

A record is written once the outcome is known (sent, or failed for good) and marked
`published` once the outcome event is on the log, so a redelivered trigger neither sends
again nor loses the outcome event.
"""

import uuid
from dataclasses import asdict, dataclass
from datetime import datetime

from pymongo.asynchronous.database import AsyncDatabase

from shared.mongo import Document

NOTIFICATIONS = "notifications"
NAMESPACE = uuid.UUID("0b8f5f3e-7a52-4f0e-9a0c-3d2b61f1c7a4")


def notification_id(trigger_event_id: str) -> str:
    """The same trigger always gives the same notification (and the same Message-ID)."""
    return str(uuid.uuid5(NAMESPACE, trigger_event_id))


def outcome_event_id(notification: str, state: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{notification}:{state}"))


@dataclass(frozen=True)
class Outcome:
    notification_id: str
    request_id: str
    reference: str
    state: str  # "sent" or "failed"
    channel: str
    template: str
    at: datetime
    message_id: str | None = None
    reason: str | None = None
    permanent: bool = True
    published: bool = False


class Ledger:
    def __init__(self, *, db: AsyncDatabase[Document]) -> None:
        self._db = db

    async def get(self, notification: str) -> Outcome | None:
        doc = await self._db[NOTIFICATIONS].find_one({"_id": notification})
        if doc is None:
            return None
        doc.pop("_id")
        return Outcome(notification_id=notification, **doc)

    async def record(self, outcome: Outcome) -> None:
        fields = asdict(outcome)
        fields.pop("notification_id")
        await self._db[NOTIFICATIONS].update_one(
            {"_id": outcome.notification_id}, {"$set": fields}, upsert=True
        )

    async def mark_published(self, notification: str) -> None:
        await self._db[NOTIFICATIONS].update_one(
            {"_id": notification}, {"$set": {"published": True}}
        )
