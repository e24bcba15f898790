"""Human request references: year, channel letter, sequence (e.g. 2026-P000124).

Each adapter owns its letters, so references never collide across services. A unique
`_id` insert claims a number; concurrent replicas simply move on to the next one.
"""

import asyncio
from datetime import datetime

from pymongo.asynchronous.database import AsyncDatabase

from shared.mongo import Document, insert_once

COLLECTION = "references"


class ReferenceAllocator:
    def __init__(self, *, db: AsyncDatabase[Document], letter: str) -> None:
        if len(letter) != 1 or not letter.isupper():
            raise ValueError("a reference letter is one upper-case letter")
        self._db = db
        self._letter = letter
        self._lock = asyncio.Lock()
        self._next: dict[int, int] = {}

    async def allocate(self, *, now: datetime) -> str:
        async with self._lock:
            year = now.year
            number = self._next.get(year) or await self._first_free(year)
            while not await insert_once(
                self._db, COLLECTION, {"_id": self._format(year, number), "claimed_at": now}
            ):
                number += 1
            self._next[year] = number + 1
            return self._format(year, number)

    def _format(self, year: int, number: int) -> str:
        return f"{year}-{self._letter}{number:06d}"

    async def _first_free(self, year: int) -> int:
        prefix = f"{year}-{self._letter}"
        last = await self._db[COLLECTION].find_one(
            {"_id": {"$gte": prefix, "$lt": prefix + "~"}}, sort=[("_id", -1)]
        )
        return int(last["_id"][len(prefix) :]) + 1 if last else 1
