"""Development sinks: what a channel would send, stored in the service's database.

One document per send (never keyed by the notice alone), so a duplicate is visible: tests and
the bench count them. Selected by settings in place of the real provider.
"""

from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared.mongo import Document

SINK = "dev_sink"


class Sink:
    def __init__(self, *, db: AsyncDatabase[Document], channel: str) -> None:
        self._db = db
        self.channel = channel

    async def keep(self, *, key: str, address: str, payload: dict[str, Any]) -> str:
        """Store one message; its id plays the provider's message id."""
        doc = {
            "channel": self.channel,
            "key": key,
            "address": address,
            "payload": payload,
            "at": datetime.now(UTC),
        }
        result = await self._db[SINK].insert_one(doc)
        return str(result.inserted_id)
