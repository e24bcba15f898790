"""An adapter's own read model of requests, fed from the log, to thread citizens' follow-ups.

Adapters must attach a follow-up to the right request and only for the right person, so they
keep, in their own database, who each request belongs to and which message ids we sent for it.
"""

from datetime import UTC, datetime, timedelta

from pymongo.asynchronous.database import AsyncDatabase

from shared.envelope import Envelope
from shared.events import (
    NotificationSent,
    RequestRouted,
    RequestStatus,
    RequestStatusChanged,
    RequestSubmitted,
)
from shared.kafka.handlers import Handlers
from shared.mongo import Document

REQUESTS = "directory_requests"
MESSAGE_IDS = "directory_message_ids"
FINAL = {RequestStatus.CLOSED, RequestStatus.CANCELLED}


class RequestDirectory:
    def __init__(self, *, db: AsyncDatabase[Document]) -> None:
        self._db = db

    async def ensure_indexes(self) -> None:
        await self._db[REQUESTS].create_index("reference", unique=True)
        await self._db[REQUESTS].create_index("citizen_email")
        await self._db[REQUESTS].create_index("channel_key")

    def handlers(self) -> Handlers:
        handlers = Handlers()
        handlers.register(RequestSubmitted, self._on_submitted)
        handlers.register(RequestRouted, self._on_routed)
        handlers.register(RequestStatusChanged, self._on_status)
        handlers.register(NotificationSent, self.on_notification)
        return handlers

    async def _on_submitted(self, envelope: Envelope[RequestSubmitted]) -> None:
        event = envelope.data
        citizen = event.citizen
        await self._db[REQUESTS].update_one(
            {"_id": event.request_id},
            {
                "$set": {
                    "reference": event.reference,
                    "channel": str(event.channel),
                    "citizen_email": citizen.email.lower() if citizen.email else None,
                    "citizen_phone": citizen.phone,
                    "facebook_psid": citizen.facebook_psid,
                    "submitted_at": event.submitted_at,
                    "tracking_token_hash": event.tracking_token_hash,
                },
                "$setOnInsert": {
                    "status": RequestStatus.RECEIVED.value,
                    "updated_at": event.submitted_at,
                },
            },
            upsert=True,
        )

    async def _on_routed(self, envelope: Envelope[RequestRouted]) -> None:
        event = envelope.data
        await self._db[REQUESTS].update_one(
            {"_id": event.request_id},
            {"$set": {"department": event.department.code, "due_at": event.due_at}},
            upsert=True,
        )

    async def _on_status(self, envelope: Envelope[RequestStatusChanged]) -> None:
        event = envelope.data
        await self._db[REQUESTS].update_one(
            {"_id": event.request_id},
            {"$set": {"status": event.status.value, "updated_at": event.changed_at}},
            upsert=True,
        )

    async def on_notification(self, envelope: Envelope[NotificationSent]) -> None:
        event = envelope.data
        if event.message_id:
            await self._db[MESSAGE_IDS].update_one(
                {"_id": event.message_id.strip("<>")},
                {"$set": {"request_id": event.request_id, "reference": event.reference}},
                upsert=True,
            )

    async def by_reference(self, reference: str) -> Document | None:
        return await self._db[REQUESTS].find_one({"reference": reference})

    async def by_request_id(self, request_id: str) -> Document | None:
        return await self._db[REQUESTS].find_one({"_id": request_id})

    async def by_message_id(self, message_id: str) -> Document | None:
        link = await self._db[MESSAGE_IDS].find_one({"_id": message_id.strip().strip("<>")})
        return await self.by_request_id(link["request_id"]) if link else None

    async def open_for(self, *, field: str, value: str, within: timedelta) -> Document | None:
        """The citizen's latest request still open, or closed less than `within` ago."""
        since = datetime.now(UTC) - within
        cursor = self._db[REQUESTS].find({field: value}).sort("submitted_at", -1).limit(5)
        async for doc in cursor:
            if doc.get("status") not in FINAL or doc.get("updated_at", since) >= since:
                return doc
        return None
