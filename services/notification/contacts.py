"""Who to tell about each request: remembered from RequestSubmitted in our own database.

RequestSubmitted always precedes the request's other events on its partition, so the contact
is known by the time RequestRouted or RequestStatusChanged arrives. Besides the citizen's
addresses it keeps what channels need: the channel of intake, the chatbot conversation and
the last time the citizen wrote on Messenger (its 24-hour window).
"""

from dataclasses import dataclass
from datetime import datetime

from pymongo.asynchronous.database import AsyncDatabase

from services.notification.channels.chatbot import conversation_id_of
from shared.events import Channel, CitizenMessageReceived, ContactPreference, RequestSubmitted
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
    phone: str | None = None
    facebook_psid: str | None = None
    postal_address: str | None = None
    intake_channel: str | None = None
    conversation_id: str | None = None
    last_inbound_at: datetime | None = None
    tracking_token_hash: str | None = None  # which key made the code (never the code)


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
                    "phone": citizen.phone,
                    "facebook_psid": citizen.facebook_psid,
                    "postal_address": citizen.postal_address,
                    "intake_channel": event.channel.value,
                    "conversation_id": conversation_id_of(event),
                    "last_inbound_at": event.submitted_at,
                    "tracking_token_hash": event.tracking_token_hash,
                }
            },
            upsert=True,
        )

    async def heard_from(self, event: CitizenMessageReceived) -> None:
        """A Messenger message reopens the 24-hour window."""
        if event.channel is not Channel.FACEBOOK:
            return
        await self._db[CONTACTS].update_one(
            {"_id": event.request_id}, {"$set": {"last_inbound_at": event.received_at}}
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
            phone=doc.get("phone"),
            facebook_psid=doc.get("facebook_psid"),
            postal_address=doc.get("postal_address"),
            intake_channel=doc.get("intake_channel"),
            conversation_id=doc.get("conversation_id"),
            last_inbound_at=doc.get("last_inbound_at"),
            tracking_token_hash=doc.get("tracking_token_hash"),
        )

    async def acknowledged(self, *, request_id: str, message_id: str) -> None:
        await self._db[CONTACTS].update_one(
            {"_id": request_id}, {"$set": {"acknowledgement_id": message_id}}
        )
