"""Retention: a document kept only for a request is deleted a configurable time after every
request it was shared with closed; a citizen's own documents stay until they delete them."""

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta

import structlog

from services.documents.context import Documents
from services.documents.library import FILES, SHARES
from services.documents.projection import REQUESTS
from services.documents.sharing import delete_document
from shared.events.documents import DeletedBecause, KeptFor

log = structlog.get_logger(__name__)


async def _expired(ctx: Documents, *, request_ids: list[str], cutoff: datetime) -> bool:
    """Every request the document was shared with is closed since before `cutoff`."""
    requests = await ctx.db[REQUESTS].find({"_id": {"$in": request_ids}}).to_list()
    return len(requests) == len(set(request_ids)) and all(
        r.get("closed_at") is not None and r["closed_at"] < cutoff for r in requests
    )


async def purge(ctx: Documents, *, now: datetime) -> int:
    """Delete the request-only documents past retention; returns how many."""
    cutoff = now - timedelta(days=ctx.settings.request_retention_days)
    closed = ctx.db[REQUESTS].find({"closed_at": {"$lt": cutoff}}, {"_id": 1})
    closed_ids = [r["_id"] for r in await closed.to_list()]
    shares = await ctx.db[SHARES].find({"request_id": {"$in": closed_ids}}).to_list()
    deleted = 0
    for document_id in {s["document_id"] for s in shares}:
        doc = await ctx.db[FILES].find_one({"_id": document_id})
        if doc is None or doc["kept_for"] != KeptFor.REQUEST:
            continue
        every = await ctx.db[SHARES].find({"document_id": document_id}).to_list()
        if await _expired(ctx, request_ids=[s["request_id"] for s in every], cutoff=cutoff):
            await delete_document(ctx, doc=doc, because=DeletedBecause.RETENTION)
            deleted += 1
    if deleted:
        log.info("documents.retention_purged", count=deleted)
    return deleted


async def run(ctx: Documents) -> None:
    """Purge now and then until cancelled."""
    while True:
        with contextlib.suppress(Exception):
            await purge(ctx, now=datetime.now(UTC))
        await asyncio.sleep(ctx.settings.retention_interval_s)
