"""What the documents service keeps of each request, from the request events: its reference
and tracking-token hash (a citizen proves a request is theirs to share with it), its current
department (who may read), whether and when it closed (retention), its adapters' attachments."""

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared.envelope import Envelope
from shared.events import (
    CitizenMessageReceived,
    Event,
    RequestRouted,
    RequestStatus,
    RequestStatusChanged,
    RequestSubmitted,
    RequestTransferred,
)
from shared.events.common import Attachment
from shared.kafka.handlers import Handlers
from shared.mongo import Document

REQUESTS = "requests"
CLOSED = {RequestStatus.CLOSED, RequestStatus.CANCELLED}


def _attachments(items: list[Attachment]) -> dict[str, object]:
    return {"$addToSet": {"attachments": {"$each": [a.model_dump() for a in items]}}}


def updates(event: Event) -> dict[str, object] | None:
    """The projection's update for one event ($set and $addToSet only: replay-safe)."""
    match event:
        case RequestSubmitted():
            fields = {"reference": event.reference, "token_hash": event.tracking_token_hash}
            return {"$set": fields} | _attachments(event.attachments)
        case CitizenMessageReceived():
            return _attachments(event.attachments)
        case RequestRouted():
            dept = event.department
            return {"$set": {"department": dept.code, "department_label": dept.label}}
        case RequestTransferred():
            dept = event.to_department
            return {"$set": {"department": dept.code, "department_label": dept.label}}
        case RequestStatusChanged():
            closed_at = event.changed_at if event.status in CLOSED else None
            return {"$set": {"status": event.status.value, "closed_at": closed_at}}
    return None


handlers = Handlers()
PROJECTED = (
    RequestSubmitted,
    CitizenMessageReceived,
    RequestRouted,
    RequestTransferred,
    RequestStatusChanged,
)


async def project(envelope: Envelope[Any], *, db: AsyncDatabase[Document]) -> None:
    update = updates(envelope.data)
    if update is not None:
        await db[REQUESTS].update_one({"_id": envelope.key}, update, upsert=True)


for _kind in PROJECTED:
    handlers.register(_kind, project)


async def ensure_indexes(db: AsyncDatabase[Document]) -> None:
    await db[REQUESTS].create_index("reference")
    await db[REQUESTS].create_index("closed_at", sparse=True)
