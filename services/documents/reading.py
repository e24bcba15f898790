"""Agents read what citizens shared with a request; every read is recorded for the citizen."""

import uuid
from datetime import UTC, datetime

from services.documents.access import Access
from services.documents.context import Documents
from services.documents.library import FILES, READS, SHARES, content_of
from services.documents.projection import REQUESTS
from shared.auth import Agent
from shared.events import Department
from shared.events.documents import DocumentRead
from shared.kafka.topics import DOCUMENTS
from shared.mongo import Document
from shared.problems import ProblemError

NO_REQUEST = "Aucune demande ne porte cet identifiant."
NO_DOCUMENT = "Aucun document partagé avec cette demande ne porte cet identifiant."


async def visible_request(ctx: Documents, *, access: Access, request_id: str) -> Document:
    request = await ctx.db[REQUESTS].find_one({"_id": request_id})
    if request is None or not access.may_see(request):
        raise ProblemError(404, NO_REQUEST)
    return request


async def shared_with(ctx: Documents, *, request_id: str) -> list[tuple[Document, Document]]:
    """(share, document) pairs of the request's active shares."""
    shares = await ctx.db[SHARES].find({"request_id": request_id, "withdrawn_at": None}).to_list()
    ids = [s["document_id"] for s in shares]
    docs = {d["_id"]: d for d in await ctx.db[FILES].find({"_id": {"$in": ids}}).to_list()}
    return [(s, docs[s["document_id"]]) for s in shares if s["document_id"] in docs]


async def read_shared(
    ctx: Documents, *, access: Access, request_id: str, document_id: str
) -> tuple[Document, bytes]:
    """The document and its content; the read is recorded before the content goes out."""
    request = await visible_request(ctx, access=access, request_id=request_id)
    record = await ctx.db[SHARES].find_one(
        {"document_id": document_id, "request_id": request_id, "withdrawn_at": None}
    )
    doc = await ctx.db[FILES].find_one({"_id": document_id}) if record else None
    if record is None or doc is None:
        raise ProblemError(404, NO_DOCUMENT)
    content = await content_of(ctx, doc)
    await _record_read(ctx, agent=access.agent, request=request, share=record)
    return doc, content


async def _record_read(ctx: Documents, *, agent: Agent, request: Document, share: Document) -> None:
    now = datetime.now(UTC)
    code = request.get("department") or agent.department or "inconnu"
    label = request.get("department_label") or code
    read = {
        "_id": uuid.uuid4().hex,
        "document_id": share["document_id"],
        "share_id": share["_id"],
        "owner": share["owner"],
        "request_id": request["_id"],
        "agent_id": agent.agent_id,
        "department": code,
        "department_label": label,
        "read_at": now,
    }
    event = DocumentRead(
        document_id=share["document_id"],
        owner=share["owner"],
        share_id=share["_id"],
        request_id=request["_id"],
        agent_id=agent.agent_id,
        department=Department(code=code, label=label),
        read_at=now,
    )
    await ctx.outbox.add(event, topic=ctx.topic(DOCUMENTS))
    await ctx.db[READS].insert_one(read)
    await ctx.outbox.flush()
