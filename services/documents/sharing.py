"""Sharing a document with a request, withdrawing it, and deleting a document with its shares.

A share names a request the citizen proves is theirs (reference + tracking code). The
department the request is routed to may then read the document; each read is recorded and
shown to the citizen. Withdrawal is checked on every read, so it takes effect at once.
"""

import hashlib
import hmac
import uuid
from datetime import UTC, datetime

from services.documents.context import Documents
from services.documents.library import FILES, READS, SHARES
from services.documents.projection import REQUESTS
from shared.events.documents import (
    DeletedBecause,
    DocumentDeleted,
    DocumentShared,
    DocumentShareWithdrawn,
    RequestDocumentShared,
    RequestDocumentWithdrawn,
)
from shared.kafka.topics import DOCUMENTS
from shared.kafka.topics import REQUESTS as REQUEST_TOPIC
from shared.mongo import Document
from shared.problems import ProblemError

UNKNOWN_REQUEST = (
    "Aucune demande ne correspond à cette référence et à ce code de suivi "
    "(une demande toute récente peut mettre quelques secondes à apparaître)."
)


async def _request_of(ctx: Documents, *, reference: str, tracking_token: str) -> Document:
    request = await ctx.db[REQUESTS].find_one({"reference": reference})
    digest = hashlib.sha256(tracking_token.encode()).hexdigest()
    if request is None or not hmac.compare_digest(request.get("token_hash", ""), digest):
        raise ProblemError(404, UNKNOWN_REQUEST)
    return request


async def share(ctx: Documents, *, doc: Document, reference: str, tracking_token: str) -> Document:
    """Share `doc` with the request (once: sharing again returns the active share)."""
    request = await _request_of(ctx, reference=reference, tracking_token=tracking_token)
    found = await ctx.db[SHARES].find_one(
        {"document_id": doc["_id"], "request_id": request["_id"], "withdrawn_at": None}
    )
    if found is not None:
        return found
    now = datetime.now(UTC)
    record = {
        "_id": uuid.uuid4().hex,
        "document_id": doc["_id"],
        "owner": doc["owner"],
        "request_id": request["_id"],
        "reference": reference,
        "shared_at": now,
        "withdrawn_at": None,
    }
    ids = {"document_id": doc["_id"], "share_id": record["_id"]}
    await ctx.outbox.add(
        DocumentShared(**ids, owner=doc["owner"], request_id=request["_id"], shared_at=now),
        topic=ctx.topic(DOCUMENTS),
    )
    await ctx.outbox.add(
        RequestDocumentShared(
            **ids,
            request_id=request["_id"],
            reference=reference,
            content_type=doc["content_type"],
            size=doc["size"],
            shared_at=now,
        ),
        topic=ctx.topic(REQUEST_TOPIC),
    )
    await ctx.db[SHARES].insert_one(record)
    await ctx.outbox.flush()
    return record


async def withdraw(ctx: Documents, *, doc: Document, share_id: str) -> None:
    record = await ctx.db[SHARES].find_one({"_id": share_id})
    if record is None or record["document_id"] != doc["_id"]:
        raise ProblemError(404, "Ce partage n'existe pas pour ce document.")
    if record["withdrawn_at"] is None:
        await _withdraw(ctx, record=record, now=datetime.now(UTC))
        await ctx.outbox.flush()


async def _withdraw(ctx: Documents, *, record: Document, now: datetime) -> None:
    ids = {"document_id": record["document_id"], "share_id": record["_id"]}
    await ctx.outbox.add(
        DocumentShareWithdrawn(
            **ids, owner=record["owner"], request_id=record["request_id"], withdrawn_at=now
        ),
        topic=ctx.topic(DOCUMENTS),
    )
    await ctx.outbox.add(
        RequestDocumentWithdrawn(
            **ids,
            request_id=record["request_id"],
            reference=record["reference"],
            withdrawn_at=now,
        ),
        topic=ctx.topic(REQUEST_TOPIC),
    )
    await ctx.db[SHARES].update_one({"_id": record["_id"]}, {"$set": {"withdrawn_at": now}})


async def shares_of(ctx: Documents, *, document_ids: list[str]) -> list[Document]:
    cursor = ctx.db[SHARES].find({"document_id": {"$in": document_ids}}).sort("shared_at", 1)
    return await cursor.to_list()


async def reads_of(ctx: Documents, *, document_ids: list[str]) -> list[Document]:
    cursor = ctx.db[READS].find({"document_id": {"$in": document_ids}}).sort("read_at", 1)
    return await cursor.to_list()


async def delete_document(
    ctx: Documents, *, doc: Document, because: DeletedBecause = DeletedBecause.CITIZEN
) -> None:
    """Withdraw its shares, forget it, then drop its content (a crash in between leaves an
    orphan blob at worst, never a listed document without content)."""
    now = datetime.now(UTC)
    active = ctx.db[SHARES].find({"document_id": doc["_id"], "withdrawn_at": None})
    for record in await active.to_list():
        await _withdraw(ctx, record=record, now=now)
    event = DocumentDeleted(
        document_id=doc["_id"], owner=doc["owner"], because=because, deleted_at=now
    )
    await ctx.outbox.add(event, topic=ctx.topic(DOCUMENTS))
    await ctx.db[FILES].delete_one({"_id": doc["_id"]})
    await ctx.storage.delete(doc["_id"])
    await ctx.outbox.flush()
