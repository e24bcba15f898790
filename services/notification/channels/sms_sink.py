"""The development gateway: what would be sent is stored in `sms_sink`, nothing leaves."""

from dataclasses import asdict
from datetime import UTC, datetime

from pymongo.asynchronous.database import AsyncDatabase

from services.notification.channels.sms_gateway import SmsMessage
from shared.mongo import Document

SINK = "sms_sink"


class SmsSink:
    def __init__(self, *, db: AsyncDatabase[Document]) -> None:
        self._db = db

    async def submit(self, message: SmsMessage) -> str:
        fields = {**asdict(message), "at": datetime.now(UTC)}
        fields.pop("key")
        await self._db[SINK].update_one({"_id": message.key}, {"$setOnInsert": fields}, upsert=True)
        return f"sink-{message.key}"

    async def sent(self) -> list[Document]:
        """Everything stored, oldest first (for tests and `make run`)."""
        return await self._db[SINK].find().sort("at", 1).to_list()
