"""Who to tell about each request: remembered from RequestSubmitted in our own database.

RequestSubmitted always precedes the request's other events on its partition, so the contact
is known by the time RequestRouted or RequestStatusChanged arrives.
"""

from dataclasses import dataclass

from pymongo.asynchronous.database import AsyncDatabase

from shared.events import ContactPreference, RequestSubmitted
from shared.mongo import Document

CONTACTS = "contacts"


class UnknownContact(LookupError):
    """An event for a request whose RequestSubmitted we never saw (not transient: DLQ)."""


@dataclass(frozen=True)
class Contact:
    request_id: str
    reference: str
    email: str | None
    name: str | None
    preferred_contact: ContactPreference
    acknowledgement_id: str | None = None  # Message-ID of our first email, to thread the next


class Contacts:
    def __init__(self, *, db: AsyncDatabase[Document]) -> None:
        self._db = db

    async def remember(self, event: RequestSubmitted) -> None:
        citizen = event.citizen
        await self._db[CONTACTS].update_one(
            {"_id": event.request_id},
            {
                "$set": {
                    "reference": event.reference,
                    "email": str(citizen.email) if citizen.email else None,
                    "name": citizen.name,
                    "preferred_contact": citizen.preferred_contact.value,
                }
            },
            upsert=True,
        )

    async def get(self, *, request_id: str) -> Contact:
        doc = await self._db[CONTACTS].find_one({"_id": request_id})
        if doc is None:
            raise UnknownContact(f"no RequestSubmitted seen for request {request_id}")
        return Contact(
            request_id=request_id,
            reference=doc["reference"],
            email=doc.get("email"),
            name=doc.get("name"),
            preferred_contact=ContactPreference(doc.get("preferred_contact", "email")),
            acknowledgement_id=doc.get("acknowledgement_id"),
        )

    async def acknowledged(self, *, request_id: str, message_id: str) -> None:
        await self._db[CONTACTS].update_one(
            {"_id": request_id}, {"$set": {"acknowledgement_id": message_id}}
        )
