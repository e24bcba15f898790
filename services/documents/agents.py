"""The agents' API: what citizens shared with a request, and the request's attachments."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response
from fastapi.responses import StreamingResponse

from services.documents import attachments, reading
from services.documents.access import Access
from services.documents.citizen import Id, download
from services.documents.context import Context
from services.documents.schemas import SharedDocument
from shared.auth import CurrentAgent

router = APIRouter(prefix="/v1/agent", tags=["agents"])
RequestId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "Jeton d'agent absent, invalide ou expiré"},
    404: {"description": "Inconnu, ou hors du périmètre de l'agent"},
}


def _access(agent: CurrentAgent, ctx: Context) -> Access:
    return Access(agent=agent, triage_department=ctx.settings.triage_department)


AgentAccess = Annotated[Access, Depends(_access)]


@router.get(
    "/requests/{request_id}/documents",
    summary="Documents partagés par l'usager et pièces jointes de la demande",
    responses=RESPONSES,
)
async def list_files(
    request_id: RequestId, access: AgentAccess, ctx: Context
) -> list[SharedDocument]:
    request = await reading.visible_request(ctx, access=access, request_id=request_id)
    base = f"/v1/agent/requests/{request_id}"
    shared = [
        SharedDocument(
            kind="document",
            id=doc["_id"],
            filename=doc["filename"],
            content_type=doc["content_type"],
            size=doc["size"],
            shared_at=share["shared_at"],
            content_url=f"{base}/documents/{doc['_id']}/content",
        )
        for share, doc in await reading.shared_with(ctx, request_id=request_id)
    ]
    attached = [
        SharedDocument(
            kind="attachment",
            id=a["attachment_id"],
            filename=a["filename"],
            content_type=a["content_type"],
            size=a["size"],
            content_url=f"{base}/attachments/{a['attachment_id']}/content",
        )
        for a in request.get("attachments", [])
    ]
    return shared + attached


@router.get(
    "/requests/{request_id}/documents/{document_id}/content",
    summary="Lire un document partagé (la consultation est enregistrée et montrée à l'usager)",
    response_class=Response,
    responses=RESPONSES,
)
async def read_document(
    request_id: RequestId, document_id: Id, access: AgentAccess, ctx: Context
) -> Response:
    doc, content = await reading.read_shared(
        ctx, access=access, request_id=request_id, document_id=document_id
    )
    return download(doc, content)


@router.get(
    "/requests/{request_id}/attachments/{attachment_id}/content",
    summary="Lire une pièce jointe reçue par un canal (courriel, accueil, portail...)",
    response_class=StreamingResponse,
    responses=RESPONSES
    | {503: {"description": "Le service qui conserve la pièce jointe ne répond pas"}},
)
async def read_attachment(
    request_id: RequestId, attachment_id: Id, access: AgentAccess, ctx: Context
) -> StreamingResponse:
    return await attachments.stream(
        ctx, access=access, request_id=request_id, attachment_id=attachment_id
    )
