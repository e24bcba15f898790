"""Messages we could not read or process: kept with the error until an agent reprocesses them."""

import uuid
from datetime import UTC, datetime

from pymongo.asynchronous.database import AsyncDatabase

from services.email_adapter.outcomes import Outcome
from shared.mongo import Document

QUARANTINE = "quarantine"
PENDING = "pending"
REPROCESSED = "reprocessed"


class Quarantine:
    def __init__(self, *, db: AsyncDatabase[Document]) -> None:
        self._db = db

    async def ensure_indexes(self) -> None:
        await self._db[QUARANTINE].create_index([("state", 1), ("received_at", -1)])

    async def hold(
        self, *, raw_ref: str, size: int, mail_from: str | None, rcpt_tos: list[str], error: str
    ) -> str:
        item_id = uuid.uuid4().hex
        await self._db[QUARANTINE].insert_one(
            {
                "_id": item_id,
                "raw_ref": raw_ref,
                "size": size,
                "mail_from": mail_from,
                "rcpt_tos": rcpt_tos,
                "error": error[:1000],
                "state": PENDING,
                "attempts": 1,
                "received_at": datetime.now(UTC),
            }
        )
        return item_id

    async def get(self, item_id: str) -> Document | None:
        return await self._db[QUARANTINE].find_one({"_id": item_id})

    async def listing(self, *, state: str | None, limit: int, skip: int) -> list[Document]:
        query = {"state": state} if state else {}
        cursor = self._db[QUARANTINE].find(query).sort("received_at", -1).skip(skip).limit(limit)
        return await cursor.to_list()

    async def failed_again(self, item_id: str, *, error: str) -> None:
        await self._db[QUARANTINE].update_one(
            {"_id": item_id},
            {
                "$set": {"error": error[:1000], "last_attempt_at": datetime.now(UTC)},
                "$inc": {"attempts": 1},
            },
        )

    async def released(self, item_id: str, *, outcome: Outcome) -> None:
        await self._db[QUARANTINE].update_one(
            {"_id": item_id},
            {
                "$set": {
                    "state": REPROCESSED,
                    "last_attempt_at": datetime.now(UTC),
                    "outcome": outcome.as_document(),
                },
                "$inc": {"attempts": 1},
            },
        )
