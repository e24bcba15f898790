"""The adapter's record of phone calls, fed by the telephony webhook."""

from datetime import UTC, datetime

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.desk.telephony import CallEvent, CallState, event_fields
from shared.mongo import Document, insert_once

CALLS = "calls"
CALL_EVENTS = "call_events"


class CallLog:
    def __init__(self, *, db: AsyncDatabase[Document]) -> None:
        self._db = db

    async def record(self, *, event: CallEvent) -> tuple[CallState, bool]:
        """Apply an event once; returns the call's state and whether the event was new."""
        fields = event_fields(event)
        doc = {"_id": event.key, "call_id": event.call_id, "event": event.event, "fields": fields}
        new = await insert_once(self._db, CALL_EVENTS, {**doc, "received_at": datetime.now(UTC)})
        if not new:  # re-apply the first one stored: heals a crash between the two writes
            stored = await self._db[CALL_EVENTS].find_one({"_id": event.key})
            fields = stored["fields"] if stored else fields
        await self._apply(call_id=event.call_id, fields=fields)
        state = await self.get(call_id=event.call_id)
        return state or CallState(call_id=event.call_id), new

    async def _apply(self, *, call_id: str, fields: Document) -> None:
        update = {"$set": fields}
        try:
            await self._db[CALLS].update_one({"_id": call_id}, update, upsert=True)
        except DuplicateKeyError:  # two first events at once: the other one inserted it
            await self._db[CALLS].update_one({"_id": call_id}, update)

    async def get(self, *, call_id: str) -> CallState | None:
        doc = await self._db[CALLS].find_one({"_id": call_id})
        return CallState.from_document(doc) if doc else None

    async def link(self, *, call_id: str, request_id: str, reference: str) -> None:
        """Remember the request an agent logged for this call."""
        await self._db[CALLS].update_one(
            {"_id": call_id},
            {"$set": {"request_id": request_id, "reference": reference}},
            upsert=True,
        )
