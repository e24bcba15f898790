"""An adapter's own read model of requests, fed from the log, to thread citizens' follow-ups.

Adapters must attach a follow-up to the right request and only for the right person, so they
keep, in their own database, who each request belongs to and which message ids we sent for it.
An adapter that needs another view of the same requests (Open311's public list) extends this
class: it chooses the collection and what is kept of each event (`submitted_fields`...).
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
    # Whether an event of a request whose submission is unknown here creates its document.
    upsert_late_events = True
    # Whether the ids of our notifications are kept, to thread the citizen's replies.
    threads_notifications = True

    def __init__(self, *, db: AsyncDatabase[Document], collection: str = REQUESTS) -> None:
        self._db = db
        self._requests = db[collection]

    async def ensure_indexes(self) -> None:
        await self._requests.create_index("reference", unique=True)
        await self._requests.create_index("citizen_email")
        await self._requests.create_index("channel_key")

    def submitted_fields(self, event: RequestSubmitted) -> Document:
        """What is kept of a new request: who it belongs to, to thread their follow-ups."""
        citizen = event.citizen
        return {
            "reference": event.reference,
            "channel": str(event.channel),
            "citizen_email": citizen.email.lower() if citizen.email else None,
            "citizen_phone": citizen.phone,
            "facebook_psid": citizen.facebook_psid,
            "submitted_at": event.submitted_at,
            "tracking_token_hash": event.tracking_token_hash,
        }

    def routed_fields(self, event: RequestRouted) -> Document:
        return {"department": event.department.code, "due_at": event.due_at}

    def status_fields(self, event: RequestStatusChanged) -> Document:
        return {"status": event.status.value, "updated_at": event.changed_at}

    async def _update(self, request_id: str, changes: Document) -> None:
        await self._requests.update_one(
            {"_id": request_id}, {"$set": changes}, upsert=self.upsert_late_events
        )

    def handlers(self) -> Handlers:
        handlers = Handlers()
        handlers.register(RequestSubmitted, self._on_submitted)
        handlers.register(RequestRouted, self._on_routed)
        handlers.register(RequestStatusChanged, self._on_status)
        if self.threads_notifications:
            handlers.register(NotificationSent, self.on_notification)
        return handlers

    async def _on_submitted(self, envelope: Envelope[RequestSubmitted]) -> None:
        event = envelope.data
        await self._requests.update_one(
            {"_id": event.request_id},
            {
                "$set": self.submitted_fields(event),
                "$setOnInsert": {
                    "status": RequestStatus.RECEIVED.value,
                    "updated_at": event.submitted_at,
                },
            },
            upsert=True,
        )

    async def _on_routed(self, envelope: Envelope[RequestRouted]) -> None:
        event = envelope.data
        await self._update(event.request_id, self.routed_fields(event))

    async def _on_status(self, envelope: Envelope[RequestStatusChanged]) -> None:
        event = envelope.data
        await self._update(event.request_id, self.status_fields(event))

    async def on_notification(self, envelope: Envelope[NotificationSent]) -> None:
        event = envelope.data
        if event.message_id:
            await self._db[MESSAGE_IDS].update_one(
                {"_id": event.message_id.strip("<>")},
                {"$set": {"request_id": event.request_id, "reference": event.reference}},
                upsert=True,
            )

    async def by_reference(self, reference: str) -> Document | None:
        return await self._requests.find_one({"reference": reference})

    async def by_request_id(self, request_id: str) -> Document | None:
        return await self._requests.find_one({"_id": request_id})

    async def by_message_id(self, message_id: str) -> Document | None:
        link = await self._db[MESSAGE_IDS].find_one({"_id": message_id.strip().strip("<>")})
        return await self.by_request_id(link["request_id"]) if link else None

    async def open_for(self, *, field: str, value: str, within: timedelta) -> Document | None:
        """The citizen's latest request still open, or closed less than `within` ago."""
        since = datetime.now(UTC) - within
        cursor = self._requests.find({field: value}).sort("submitted_at", -1).limit(5)
        async for doc in cursor:
            if doc.get("status") not in FINAL or doc.get("updated_at", since) >= since:
                return doc
        return None
