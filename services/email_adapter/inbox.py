"""The adapter's log of received messages, so a redelivered mail is handled once."""

from datetime import UTC, datetime

from pymongo.asynchronous.database import AsyncDatabase

from services.email_adapter.outcomes import Outcome
from shared.mongo import Document

MESSAGES = "messages"


class Inbox:
    def __init__(self, *, db: AsyncDatabase[Document]) -> None:
        self._db = db

    async def ensure_indexes(self) -> None:
        await self._db[MESSAGES].create_index("fate")

    async def get(self, key: str) -> Document | None:
        return await self._db[MESSAGES].find_one({"_id": key})

    async def received(self, *, key: str, message_id: str | None, raw_ref: str, size: int) -> None:
        await self._db[MESSAGES].update_one(
            {"_id": key},
            {
                "$set": {"raw_ref": raw_ref, "message_id": message_id, "size": size},
                "$setOnInsert": {"received_at": datetime.now(UTC)},
            },
            upsert=True,
        )

    async def settled(self, *, key: str, outcome: Outcome, reason: str) -> None:
        await self._db[MESSAGES].update_one(
            {"_id": key},
            {"$set": {**outcome.as_document(), "reason": reason}},
        )

    async def count(self, fate: str) -> int:
        return await self._db[MESSAGES].count_documents({"fate": fate})
