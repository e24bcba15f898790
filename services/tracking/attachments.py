"""Agents download a request's attachments through a short-lived link signed here.

The blob stays with the adapter that received it; tracking applies the request's access
rules (another department's request is the same 404 as an unknown one) and signs a link
that only that adapter honours, for a few minutes.
"""

import time
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel

from services.tracking import audit, reads
from services.tracking.access import Staff, not_found
from services.tracking.context import Context, RequestIdPath
from services.tracking.routes import AUTH
from shared.attachment_links import parse_storage_ref, signed_path
from shared.problems import ProblemError

router = APIRouter(prefix="/v1", tags=["agents"])


class AttachmentLink(BaseModel):
    url: str
    filename: str
    content_type: str
    size: int
    expires_at: datetime


@router.get(
    "/requests/{request_id}/attachments/{index}/link",
    summary="Lien de téléchargement d'une pièce jointe (signé, valable quelques minutes)",
    responses={
        **AUTH,
        404: {"description": "Demande ou pièce jointe inconnue"},
        503: {"description": "Le service qui conserve la pièce jointe n'est pas configuré"},
    },
)
async def attachment_link(
    request_id: RequestIdPath,
    index: Annotated[int, Path(ge=0, le=100, description="Position dans `attachments` (0…)")],
    access: Staff,
    tracking: Context,
) -> AttachmentLink:
    doc = await reads.get_request(db=tracking.db, access=access, request_id=request_id)
    if doc is None:
        raise not_found()
    attachments = doc.get("attachments") or []
    if index >= len(attachments):
        raise ProblemError(404, "Pièce jointe inconnue pour cette demande.")
    attachment = attachments[index]
    ref = parse_storage_ref(attachment.get("storage_ref", ""))
    base = tracking.settings.attachment_adapters.get(ref.adapter) if ref else None
    if ref is None or base is None:
        raise ProblemError(503, "Cette pièce jointe n'est pas téléchargeable pour le moment.")
    expires = int(time.time()) + tracking.settings.attachment_link_ttl_s
    key = tracking.settings.attachment_link_key.get_secret_value()
    path = signed_path(key=key, adapter=ref.adapter, blob_id=ref.blob_id, expires=expires)
    await audit.record(db=tracking.db, access=access, doc=doc, what="pièce jointe")
    return AttachmentLink(
        url=base.rstrip("/") + path,
        filename=attachment["filename"],
        content_type=attachment["content_type"],
        size=attachment["size"],
        expires_at=datetime.fromtimestamp(expires, UTC),
    )
