"""The development sink of the conversational channels: what would be sent, kept in the DB.

One document per notice key (a second send of the same notice changes nothing), holding the
exact payload the real platform would have received; `make run` and tests read it there.
"""

from datetime import UTC, datetime
from typing import Any, Protocol

from pymongo.asynchronous.database import AsyncDatabase

from services.notification.channels.base import Notice, Sent
from shared.mongo import Document

SENT_MESSAGES = "sent_messages"


class Transport(Protocol):
    """How a conversational channel's payload leaves: the platform's API or this sink."""

    async def deliver(self, payload: dict[str, Any], *, notice: Notice) -> Sent: ...


class StoredMessages:
    def __init__(self, *, db: AsyncDatabase[Document], channel: str) -> None:
        self._db = db
        self._channel = channel

    async def deliver(self, payload: dict[str, Any], *, notice: Notice) -> Sent:
        provider_id = f"sink-{notice.key}"
        await self._db[SENT_MESSAGES].update_one(
            {"_id": notice.key},
            {
                "$setOnInsert": {
                    "channel": self._channel,
                    "request_id": notice.request_id,
                    "reference": notice.reference,
                    "template": notice.template,
                    "payload": payload,
                    "provider_id": provider_id,
                    "stored_at": datetime.now(UTC),
                }
            },
            upsert=True,
        )
        return Sent(provider_id=provider_id, detail="development sink")
