"""The citizen's API: magic link, session, their documents, shares and who read them."""

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request, Response

from services.documents import identity, library, sharing
from services.documents.context import Context
from services.documents.identity import CurrentCitizen
from services.documents.schemas import (
    DocumentPage,
    DocumentView,
    LinkRequest,
    LinkSent,
    Rename,
    Session,
    SessionRequest,
    ShareRequest,
    ShareView,
    document_view,
    share_view,
)
from shared.events.documents import KeptFor
from shared.http import read_body
from shared.mongo import Document

router = APIRouter(prefix="/v1/citizen", tags=["usager"])
Id = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
AUTH: dict[int | str, dict[str, Any]] = {401: {"description": "Session absente ou expirée"}}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "Document inconnu"}}
LINK_SENT = (
    "Si cette adresse est valide, un lien d'accès vient d'y être envoyé ; il est valable "
    "{minutes} minutes et ne sert qu'une fois."
)
UPLOAD_BODY = {
    "required": True,
    "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
}


@router.post("/magic-links", status_code=202, summary="Recevoir un lien d'accès par courriel")
async def send_link(body: LinkRequest, ctx: Context) -> LinkSent:
    settings = ctx.settings
    token = identity.magic_link_token(
        email=body.email, secret=settings.magic_link_secret, ttl_s=settings.magic_link_ttl_s
    )
    minutes = settings.magic_link_ttl_s // 60
    link = settings.magic_link_url.replace("{token}", token)
    interval = settings.magic_link_interval_s
    # The same answer either way: nobody learns whether an address exists or was throttled.
    if await identity.may_send_link(db=ctx.db, email=body.email, interval_s=interval):
        await ctx.sender.send(to=body.email, link=link, minutes=minutes)
    return LinkSent(message=LINK_SENT.format(minutes=minutes))


@router.post("/sessions", summary="Ouvrir une session avec le jeton du lien", responses=AUTH)
async def open_session(body: SessionRequest, ctx: Context) -> Session:
    token, expires_at = await identity.open_session(
        token=body.token,
        secret=ctx.settings.magic_link_secret,
        db=ctx.db,
        ttl_s=ctx.settings.session_ttl_s,
    )
    return Session(access_token=token, expires_at=expires_at)


async def _views(ctx: Context, docs: list[Document]) -> list[DocumentView]:
    ids = [d["_id"] for d in docs]
    shares = await sharing.shares_of(ctx, document_ids=ids)
    reads = await sharing.reads_of(ctx, document_ids=ids)
    return [document_view(d, shares, reads) for d in docs]


@router.get(
    "/documents", summary="Mes documents, leurs partages et leurs consultations", responses=AUTH
)
async def list_documents(
    citizen: CurrentCitizen,
    ctx: Context,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> DocumentPage:
    docs = await library.listing(ctx, owner=citizen.owner, limit=limit, offset=offset)
    return DocumentPage(items=await _views(ctx, docs), limit=limit, offset=offset)


@router.post(
    "/documents",
    status_code=201,
    summary="Déposer un document (contenu brut du fichier)",
    openapi_extra={"requestBody": UPLOAD_BODY},
    responses=AUTH
    | {
        413: {"description": "Fichier trop volumineux"},
        415: {"description": "Type de fichier (lu dans son contenu) non accepté"},
        422: {"description": "Fichier vide, infecté ou illisible : refusé, non conservé"},
        503: {"description": "Analyse antivirus indisponible"},
    },
)
async def upload(
    request: Request,
    citizen: CurrentCitizen,
    ctx: Context,
    filename: Annotated[str, Query(min_length=1, max_length=255, pattern=r"^[^/\\\x00-\x1f]+$")],
    kept_for: Annotated[
        KeptFor,
        Query(description="own : gardé jusqu'à suppression ; request : seulement pour une demande"),
    ] = KeptFor.OWN,
) -> DocumentView:
    content = await read_body(request, max_bytes=ctx.settings.max_upload_bytes)
    doc = await library.upload(
        ctx, owner=citizen.owner, filename=filename.strip(), content=content, kept_for=kept_for
    )
    return (await _views(ctx, [doc]))[0]


@router.get("/documents/{document_id}", summary="Un document", responses=AUTH | NOT_FOUND)
async def get_document(document_id: Id, citizen: CurrentCitizen, ctx: Context) -> DocumentView:
    doc = await library.owned(ctx, owner=citizen.owner, document_id=document_id)
    return (await _views(ctx, [doc]))[0]


def download(doc: Document, content: bytes) -> Response:
    disposition = f"attachment; filename*=UTF-8''{quote(doc['filename'])}"
    headers = {"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"}
    return Response(content, media_type=doc["content_type"], headers=headers)


@router.get(
    "/documents/{document_id}/content",
    summary="Télécharger un document",
    response_class=Response,
    responses=AUTH | NOT_FOUND,
)
async def get_content(document_id: Id, citizen: CurrentCitizen, ctx: Context) -> Response:
    doc = await library.owned(ctx, owner=citizen.owner, document_id=document_id)
    return download(doc, await library.content_of(ctx, doc))


@router.patch("/documents/{document_id}", summary="Renommer", responses=AUTH | NOT_FOUND)
async def rename(
    document_id: Id, body: Rename, citizen: CurrentCitizen, ctx: Context
) -> DocumentView:
    doc = await library.rename(
        ctx, owner=citizen.owner, document_id=document_id, filename=body.filename
    )
    return (await _views(ctx, [doc]))[0]


@router.delete(
    "/documents/{document_id}",
    status_code=204,
    summary="Supprimer (et retirer ses partages)",
    responses=AUTH | NOT_FOUND,
)
async def delete(document_id: Id, citizen: CurrentCitizen, ctx: Context) -> Response:
    doc = await library.owned(ctx, owner=citizen.owner, document_id=document_id)
    await sharing.delete_document(ctx, doc=doc)
    return Response(status_code=204)


@router.post(
    "/documents/{document_id}/shares",
    status_code=201,
    summary="Partager avec une de mes demandes (référence + code de suivi)",
    responses=AUTH | {404: {"description": "Document ou demande inconnus"}},
)
async def share(
    document_id: Id, body: ShareRequest, citizen: CurrentCitizen, ctx: Context
) -> ShareView:
    doc = await library.owned(ctx, owner=citizen.owner, document_id=document_id)
    record = await sharing.share(
        ctx, doc=doc, reference=body.reference, tracking_token=body.tracking_token
    )
    return share_view(record)


@router.delete(
    "/documents/{document_id}/shares/{share_id}",
    status_code=204,
    summary="Retirer un partage (effet immédiat)",
    responses=AUTH | NOT_FOUND,
)
async def withdraw(
    document_id: Id, share_id: Id, citizen: CurrentCitizen, ctx: Context
) -> Response:
    doc = await library.owned(ctx, owner=citizen.owner, document_id=document_id)
    await sharing.withdraw(ctx, doc=doc, share_id=share_id)
    return Response(status_code=204)
