"""Which requests are open, from the request events: for agendas reserved to open requests.

A citizen proves the request is theirs with its reference and tracking token, as on the
tracking page; only the token's hash is kept, as it travels in `RequestSubmitted`.
"""

from pymongo.asynchronous.database import AsyncDatabase

from shared.envelope import Envelope
from shared.events import RequestStatus, RequestStatusChanged, RequestSubmitted
from shared.intake import hash_token
from shared.kafka.handlers import Handlers
from shared.mongo import Document

REQUESTS = "requests"
FINISHED = {RequestStatus.RESOLVED, RequestStatus.CLOSED, RequestStatus.CANCELLED}


handlers = Handlers()


@handlers.handles(RequestSubmitted)
async def on_submitted(
    envelope: Envelope[RequestSubmitted], *, db: AsyncDatabase[Document]
) -> None:
    event = envelope.data
    await db[REQUESTS].update_one(
        {"_id": event.reference},
        {
            "$setOnInsert": {"open": True},
            "$set": {"request_id": event.request_id, "token_hash": event.tracking_token_hash},
        },
        upsert=True,
    )


@handlers.handles(RequestStatusChanged)
async def on_status_changed(
    envelope: Envelope[RequestStatusChanged], *, db: AsyncDatabase[Document]
) -> None:
    event = envelope.data
    await db[REQUESTS].update_one(
        {"_id": event.reference},
        {"$set": {"open": event.status not in FINISHED, "request_id": event.request_id}},
        upsert=True,
    )


async def open_request(
    db: AsyncDatabase[Document], *, reference: str, token: str
) -> tuple[str, str] | None:
    """(request id, reference) of an open request the token proves, else None."""
    doc = await db[REQUESTS].find_one({"_id": reference})
    if doc is None or doc.get("token_hash") != hash_token(token) or not doc.get("open"):
        return None
    return str(doc["request_id"]), reference
