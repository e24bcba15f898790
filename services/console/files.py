"""What comes with a request: the documents the citizen shared, the channels' attachments
(documents service) and the invoices linked to it (payments), each read by the agent."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from services.console.context import Console, ConsoleDep
from services.console.session import SessionAgent, agent_token
from services.console.upstream import UpstreamDown

router = APIRouter(include_in_schema=False)
Id = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
KINDS = {"documents": "documents", "pieces-jointes": "attachments"}
NO_FILES = "Les documents de cette demande ne vous sont pas accessibles."
DOCUMENTS_DOWN = "Le service des documents ne répond pas : réessayez dans un instant."
PAYMENTS_DOWN = "Le service des paiements ne répond pas : les factures ne sont pas affichées."
GONE = "Ce fichier n'existe pas, n'est plus partagé ou ne vous est pas accessible."


async def files(*, console: Console, token: str, request_id: str) -> dict[str, Any]:
    """The request's files for its page; `files_error` when documents refused them."""
    try:
        answer = await console.upstream.request_files(token=token, request_id=request_id)
    except UpstreamDown:
        return {"shared": [], "attachments": [], "files_error": DOCUMENTS_DOWN}
    if answer.status != 200 or not isinstance(answer.body, list):
        return {"shared": [], "attachments": [], "files_error": NO_FILES}
    return {
        "shared": [f for f in answer.body if f.get("kind") == "document"],
        "attachments": [f for f in answer.body if f.get("kind") == "attachment"],
        "files_error": None,
    }


async def invoices(*, console: Console, token: str, detail: dict[str, Any]) -> dict[str, Any]:
    """The invoices the timeline names, in their current state (payments is the truth)."""
    ids = dict.fromkeys(
        entry["details"]["invoice_id"]
        for entry in detail.get("timeline", [])
        if entry.get("kind") == "invoice_issued" and (entry.get("details") or {}).get("invoice_id")
    )
    try:
        found = [await console.upstream.invoice(token=token, invoice_id=i) for i in ids]
    except UpstreamDown:
        return {"invoices": [], "invoices_error": PAYMENTS_DOWN}
    kept = [a.body for a in found if a.status == 200 and isinstance(a.body, dict)]
    return {"invoices": kept, "invoices_error": None}


@router.get("/demandes/{request_id}/{kind}/{file_id}")
async def download(
    request_id: Id,
    kind: Literal["documents", "pieces-jointes"],
    file_id: Id,
    request: Request,
    _: SessionAgent,
    console: ConsoleDep,
) -> Response:
    found = await console.upstream.request_file(
        token=agent_token(request), request_id=request_id, kind=KINDS[kind], file_id=file_id
    )
    if found is None:
        return Response(GONE, status_code=404, media_type="text/plain; charset=utf-8")
    headers = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
    headers["Content-Disposition"] = found.headers.get("content-disposition") or "attachment"
    media_type = found.headers.get("content-type", "application/octet-stream")
    return Response(found.content, media_type=media_type, headers=headers)
