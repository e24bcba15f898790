"""What became of each agent's command once tracking applied it (read-your-writes).

The consumer records one outcome per command event (applied, with the new version, or
refused, with the reason); the API waits for it before answering. In the same process the
consumer wakes the waiting request directly; otherwise the store is polled.
"""

import asyncio
from datetime import UTC, datetime

from pymongo.asynchronous.database import AsyncDatabase

from shared.envelope import Envelope
from shared.mongo import Document, insert_once

OUTCOMES = "command_outcomes"
POLL_S = 0.05


class Waiters:
    """Requests of this process waiting for their command to be applied, by event id."""

    def __init__(self) -> None:
        self._events: dict[str, asyncio.Event] = {}

    def register(self, event_id: str) -> asyncio.Event:
        return self._events.setdefault(event_id, asyncio.Event())

    def wake(self, event_id: str) -> None:
        found = self._events.get(event_id)
        if found is not None:
            found.set()

    def forget(self, event_id: str) -> None:
        self._events.pop(event_id, None)


async def record(
    *,
    db: AsyncDatabase[Document],
    envelope: Envelope,
    version: int,
    refused: tuple[int, str, Document] | None = None,
) -> None:
    outcome: Document = {
        "_id": envelope.id,
        "request_id": envelope.data.request_id,
        "applied": refused is None,
        "version": version,
        "at": datetime.now(UTC),
    }
    if refused is not None:
        status, detail, extra = refused
        outcome |= {"status": status, "detail": detail, "extra": extra}
    await insert_once(db, OUTCOMES, outcome)


async def find(*, db: AsyncDatabase[Document], event_id: str) -> Document | None:
    return await db[OUTCOMES].find_one({"_id": event_id})


async def wait(
    *, db: AsyncDatabase[Document], waiters: Waiters, event_id: str, timeout_s: float
) -> Document | None:
    """The command's outcome, or None if it was not applied within `timeout_s`."""
    woken = waiters.register(event_id)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    try:
        while True:
            found = await find(db=db, event_id=event_id)
            left = deadline - loop.time()
            if found is not None or left <= 0:
                return found
            try:
                await asyncio.wait_for(woken.wait(), timeout=min(left, POLL_S * 4))
            except TimeoutError:
                continue
    finally:
        waiters.forget(event_id)
