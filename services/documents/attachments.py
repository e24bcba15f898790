"""Agents fetch an adapter's attachment of a request through the documents service.

The blob stays with the adapter that received it (each service owns its database): once the
agent's access to the request is checked, this service signs a short-lived link with the key
it shares with the adapters (`shared/attachment_links.py`), fetches the file over HTTP and
streams it on, recording who read it.
"""

import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import structlog
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from services.documents.access import Access
from services.documents.context import Documents
from services.documents.reading import visible_request
from shared.attachment_links import content_disposition, parse_storage_ref, signed_path
from shared.mongo import Document
from shared.problems import ProblemError

log = structlog.get_logger(__name__)
ATTACHMENT_READS = "attachment_reads"
NO_ATTACHMENT = "Aucune pièce jointe de cette demande ne porte cet identifiant."
UNREACHABLE = "Le service qui conserve cette pièce jointe ne répond pas : réessayez plus tard."


def _meta(request: Document, attachment_id: str) -> Document:
    for meta in request.get("attachments", []):
        if meta["attachment_id"] == attachment_id:
            return meta
    raise ProblemError(404, NO_ATTACHMENT)


def _url(ctx: Documents, meta: Document) -> str:
    ref = parse_storage_ref(meta.get("storage_ref", ""))
    base = ctx.settings.attachment_adapters.get(ref.adapter) if ref else None
    if ref is None or base is None:
        raise ProblemError(404, NO_ATTACHMENT)
    expires = int(time.time()) + ctx.settings.attachment_link_ttl_s
    key = ctx.settings.attachment_link_key.get_secret_value()
    return base.rstrip("/") + signed_path(
        key=key, adapter=ref.adapter, blob_id=ref.blob_id, expires=expires
    )


async def _open(ctx: Documents, url: str) -> httpx.Response:
    try:
        # identity: the bytes are relayed as they come, with the adapter's length
        get = ctx.http.build_request("GET", url, headers={"Accept-Encoding": "identity"})
        upstream = await ctx.http.send(get, stream=True)
    except httpx.HTTPError as exc:
        log.warning("documents.adapter_unreachable", error=type(exc).__name__)
        raise ProblemError(503, UNREACHABLE, headers={"Retry-After": "10"}) from exc
    if upstream.status_code == 200:
        return upstream
    await upstream.aclose()
    if upstream.status_code == 404:
        raise ProblemError(404, NO_ATTACHMENT)
    # 403 means the link key differs from the adapter's: a configuration error, not the agent's.
    log.error("documents.adapter_refused", status=upstream.status_code)
    raise ProblemError(503, UNREACHABLE, headers={"Retry-After": "10"})


async def _record_read(
    ctx: Documents, *, access: Access, request: Document, meta: Document
) -> None:
    await ctx.db[ATTACHMENT_READS].insert_one(
        {
            "_id": uuid.uuid4().hex,
            "request_id": request["_id"],
            "attachment_id": meta["attachment_id"],
            "agent_id": access.agent.agent_id,
            "department": request.get("department") or access.agent.department,
            "read_at": datetime.now(UTC),
        }
    )


async def _relay(upstream: httpx.Response) -> AsyncIterator[bytes]:
    async for chunk in upstream.aiter_raw():
        yield chunk


async def stream(
    ctx: Documents, *, access: Access, request_id: str, attachment_id: str
) -> StreamingResponse:
    """The attachment as the adapter serves it, streamed; 404 outside the agent's scope."""
    request = await visible_request(ctx, access=access, request_id=request_id)
    meta = _meta(request, attachment_id)
    upstream = await _open(ctx, _url(ctx, meta))
    try:
        await _record_read(ctx, access=access, request=request, meta=meta)
    except BaseException:
        await upstream.aclose()
        raise
    headers = {
        "Content-Disposition": content_disposition(meta["filename"]),
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
    }
    if length := upstream.headers.get("content-length"):
        headers["Content-Length"] = length
    return StreamingResponse(
        _relay(upstream),
        media_type=meta["content_type"],
        headers=headers,
        background=BackgroundTask(upstream.aclose),
    )
