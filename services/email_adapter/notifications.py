"""The notifications we sent, by Message-ID, so a bounce names the one that failed."""

from pymongo.asynchronous.database import AsyncDatabase

from shared.directory import RequestDirectory
from shared.envelope import Envelope
from shared.events import NotificationSent
from shared.kafka.handlers import Handlers
from shared.mongo import Document

SENT = "sent_notifications"


class SentNotifications:
    def __init__(self, *, db: AsyncDatabase[Document]) -> None:
        self._db = db

    async def ensure_indexes(self) -> None:
        await self._db[SENT].create_index([("reference", 1), ("sent_at", -1)])

    async def record(self, envelope: Envelope[NotificationSent]) -> None:
        event = envelope.data
        if not event.message_id:
            return
        await self._db[SENT].update_one(
            {"_id": event.message_id.strip().strip("<>")},
            {
                "$set": {
                    "notification_id": event.notification_id,
                    "request_id": event.request_id,
                    "reference": event.reference,
                    "sent_at": event.sent_at,
                }
            },
            upsert=True,
        )

    async def by_message_id(self, message_id: str) -> Document | None:
        return await self._db[SENT].find_one({"_id": message_id.strip().strip("<>")})

    async def latest_for(self, reference: str) -> Document | None:
        return await self._db[SENT].find_one({"reference": reference}, sort=[("sent_at", -1)])


def directory_handlers(directory: RequestDirectory, sent: SentNotifications) -> Handlers:
    """The directory's handlers, with our log of sent notifications fed as well."""
    handlers = directory.handlers()
    handlers.single.pop(NotificationSent)

    async def on_sent(envelope: Envelope[NotificationSent]) -> None:
        await directory.on_notification(envelope)
        await sent.record(envelope)

    handlers.register(NotificationSent, on_sent)
    return handlers
