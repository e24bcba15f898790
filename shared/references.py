"""Human request references: year, channel letter, sequence (e.g. 2026-P000124).

Each adapter owns its letters, so references never collide across services. Numbers are
claimed in blocks (hi/lo): one atomic `$inc` of a counter per (letter, year) reserves
`block` numbers for this process, which then hands them out from memory. Several processes
of one adapter each get their own blocks; a restart abandons the rest of its block (gaps are
acceptable, duplicates never).
"""

import asyncio
from datetime import datetime

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from shared.mongo import Document, insert_once

COUNTERS = "reference_counters"
LEGACY = "references"  # one document per number, as claimed before the counters existed
BLOCK = 50


class ReferenceAllocator:
    def __init__(self, *, db: AsyncDatabase[Document], letter: str, block: int = BLOCK) -> None:
        if len(letter) != 1 or not letter.isupper():
            raise ValueError("a reference letter is one upper-case letter")
        if block < 1:
            raise ValueError("a block holds at least one number")
        self._db = db
        self._letter = letter
        self._block = block
        self._lock = asyncio.Lock()
        self._free: dict[int, range] = {}

    async def allocate(self, *, now: datetime) -> str:
        async with self._lock:
            year = now.year
            free = self._free.get(year)
            if not free:
                free = await self._claim_block(year)
            self._free[year] = free[1:]
            return self._format(year, free[0])

    def _format(self, year: int, number: int) -> str:
        return f"{year}-{self._letter}{number:06d}"

    async def _claim_block(self, year: int) -> range:
        """The next `block` numbers of (letter, year), reserved by one atomic increment."""
        key = f"{self._letter}-{year}"
        counter = await self._increment(key)
        if counter is None:  # first use of this (letter, year): start after any legacy claim
            await insert_once(self._db, COUNTERS, {"_id": key, "last": await self._legacy(year)})
            counter = await self._increment(key)
        assert counter is not None
        last = int(counter["last"])
        return range(last - self._block + 1, last + 1)

    async def _increment(self, key: str) -> Document | None:
        return await self._db[COUNTERS].find_one_and_update(
            {"_id": key},
            {"$inc": {"last": self._block}},
            return_document=ReturnDocument.AFTER,
        )

    async def _legacy(self, year: int) -> int:
        prefix = f"{year}-{self._letter}"
        last = await self._db[LEGACY].find_one(
            {"_id": {"$gte": prefix, "$lt": prefix + "~"}}, sort=[("_id", -1)]
        )
        return int(last["_id"][len(prefix) :]) if last else 0
