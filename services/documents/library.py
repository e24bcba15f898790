"""A citizen's documents: upload, list, rename, delete (state in MongoDB, content in storage)."""

import hashlib
import uuid
from datetime import UTC, datetime

from services.documents.checks import checked_type
from services.documents.context import Documents
from shared.events.documents import DocumentUploaded, KeptFor
from shared.kafka.topics import DOCUMENTS
from shared.mongo import Document
from shared.problems import ProblemError

FILES, SHARES, READS = "documents", "shares", "reads"
NOT_FOUND = "Aucun document ne porte cet identifiant dans votre espace."


async def ensure_indexes(ctx: Documents) -> None:
    await ctx.db[FILES].create_index([("owner", 1), ("uploaded_at", -1)])
    await ctx.db[SHARES].create_index([("document_id", 1), ("shared_at", 1)])
    await ctx.db[SHARES].create_index([("document_id", 1), ("request_id", 1), ("withdrawn_at", 1)])
    await ctx.db[SHARES].create_index([("request_id", 1), ("withdrawn_at", 1)])
    await ctx.db[READS].create_index([("document_id", 1), ("read_at", 1)])
    await ctx.db["used_links"].create_index("expires_at", expireAfterSeconds=0)
    await ctx.db["links_sent"].create_index("sent_at", expireAfterSeconds=24 * 3600)
    await ctx.outbox.ensure_indexes()


async def upload(
    ctx: Documents, *, owner: str, filename: str, content: bytes, kept_for: KeptFor
) -> Document:
    """Check, store the content, then record it; nothing is kept if a check fails."""
    kind = await checked_type(filename=filename, content=content, scanner=ctx.scanner)
    now = datetime.now(UTC)
    doc: Document = {
        "_id": uuid.uuid4().hex,
        "owner": owner,
        "filename": filename,
        "content_type": kind,
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
        "kept_for": kept_for.value,
        "uploaded_at": now,
        "updated_at": now,
    }
    await ctx.storage.put(doc["_id"], content, content_type=kind)
    event = DocumentUploaded(
        document_id=doc["_id"],
        owner=owner,
        content_type=kind,
        size=doc["size"],
        sha256=doc["sha256"],
        kept_for=kept_for,
        uploaded_at=now,
    )
    await ctx.outbox.add(event, topic=ctx.topic(DOCUMENTS))
    await ctx.db[FILES].insert_one(doc)
    await ctx.outbox.flush()
    return doc


async def owned(ctx: Documents, *, owner: str, document_id: str) -> Document:
    doc = await ctx.db[FILES].find_one({"_id": document_id})  # by _id alone: an index lookup
    if doc is None or doc["owner"] != owner:
        raise ProblemError(404, NOT_FOUND)
    return doc


async def listing(ctx: Documents, *, owner: str, limit: int, offset: int) -> list[Document]:
    cursor = ctx.db[FILES].find({"owner": owner}).sort("uploaded_at", -1).skip(offset)
    return await cursor.limit(limit).to_list()


async def content_of(ctx: Documents, doc: Document) -> bytes:
    content = await ctx.storage.get(doc["_id"])
    if content is None:
        raise ProblemError(404, "Le contenu de ce document n'est plus disponible.")
    return content


async def rename(ctx: Documents, *, owner: str, document_id: str, filename: str) -> Document:
    doc = await owned(ctx, owner=owner, document_id=document_id)
    now = datetime.now(UTC)
    await ctx.db[FILES].update_one(
        {"_id": doc["_id"]}, {"$set": {"filename": filename, "updated_at": now}}
    )
    return doc | {"filename": filename, "updated_at": now}
