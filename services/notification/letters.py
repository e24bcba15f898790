"""The mail room's HTTP API: queued letters listed, downloaded, printed at once, marked posted.

Agents of the mail room's department, and administrators (the same bearer tokens as
tracking's API). Marking a letter posted publishes
nothing: the timeline already says the letter was prepared (the notice's outcome), and the
mail room's record keeps who posted it and when.
"""

import asyncio
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import structlog
from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request, Response
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError
from pypdf import PdfReader, PdfWriter

from services.notification import mailroom
from services.notification.letter_settings import LetterSettings
from services.notification.schemas import LetterPage, LetterSummary
from shared.auth import Agent, CurrentAgent, install_agent_auth
from shared.mongo import Document
from shared.problems import ProblemError

log = structlog.get_logger(__name__)
ADMIN = "admin"


@dataclass(frozen=True)
class MailRoom:
    settings: LetterSettings
    db: AsyncDatabase[Document]


def _mailroom(request: Request) -> MailRoom:
    found: MailRoom = request.app.state.mailroom
    return found


Context = Annotated[MailRoom, Depends(_mailroom)]


def _mailroom_agent(agent: CurrentAgent, ctx: Context) -> Agent:
    """Letters print names, addresses and tracking codes: the mail room's department only."""
    department = ctx.settings.mailroom_department
    if agent.department != department and ADMIN not in agent.roles:
        raise ProblemError(403, f"Le courrier est réservé au service {department}.")
    return agent


MailroomAgent = Annotated[Agent, Depends(_mailroom_agent)]


@asynccontextmanager
async def _indexes(app: FastAPI) -> AsyncIterator[None]:
    ctx: MailRoom = app.state.mailroom
    try:
        kept_s = ctx.settings.letters_kept_days * 86400
        await mailroom.ensure_indexes(ctx.db, kept_after_posting_s=kept_s)
    except PyMongoError:
        log.warning("mailroom.indexes_not_created")  # the next start creates them
    yield


router = APIRouter(prefix="/v1/letters", tags=["courrier"], lifespan=_indexes)


def install(app: FastAPI, *, settings: LetterSettings, db: AsyncDatabase[Document]) -> None:
    """The mail room's routes on the notification app, with agents' authentication."""
    app.state.mailroom = MailRoom(settings=settings, db=db)
    install_agent_auth(app, settings)
    app.include_router(router)


LetterId = Annotated[str, Path(pattern=r"^L[0-9]{14}-[0-9a-f]{16}$")]
State = Annotated[Literal["queued", "posted"], Query(description="queued : à envoyer")]
RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "Jeton d'agent absent, invalide ou expiré"},
    403: {"description": "Agent d'un autre service que celui du courrier"},
    404: {"description": "Courrier inconnu"},
}
PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "Le PDF"}
}
NOT_FOUND = "Courrier introuvable."


def summary(doc: Document) -> LetterSummary:
    fields = {k: v for k, v in doc.items() if k in LetterSummary.model_fields}
    return LetterSummary(id=doc["_id"], pdf_url=f"/v1/letters/{doc['_id']}.pdf", **fields)


def pdf_response(content: bytes, *, filename: str, **headers: str) -> Response:
    return Response(
        content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            **headers,
        },
    )


@router.get("", summary="Courriers à envoyer (ou postés), les plus anciens d'abord")
async def list_letters(
    ctx: Context,
    _: MailroomAgent,
    state: State = "queued",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(pattern=r"^L[0-9]{14}-[0-9a-f]{16}$")] = None,
) -> LetterPage:
    docs = await mailroom.page(ctx.db, state=state, after=cursor, limit=limit + 1)
    items = [summary(doc) for doc in docs[:limit]]
    next_cursor = items[-1].id if len(docs) > limit else None
    return LetterPage(items=items, limit=limit, next_cursor=next_cursor)


def merge(pdfs: list[bytes], *, recto_verso: bool) -> bytes:
    """One PDF; recto verso, each letter starts on a new sheet."""
    writer = PdfWriter()
    for content in pdfs:
        writer.append(PdfReader(io.BytesIO(content)))
        if recto_verso and len(writer.pages) % 2:
            writer.add_blank_page()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@router.get(
    "/batch.pdf",
    summary="Un seul PDF de tous les courriers à envoyer, pour les imprimer d'un coup",
    response_class=Response,
    responses={**RESPONSES, **PDF},
)
async def batch(
    ctx: Context, _: MailroomAgent, state: State = "queued", recto_verso: bool = False
) -> Response:
    pdfs = await mailroom.pdfs(ctx.db, state=state, limit=ctx.settings.batch_max_letters)
    if not pdfs:
        raise ProblemError(404, "Aucun courrier à imprimer.")
    content = await asyncio.to_thread(merge, pdfs, recto_verso=recto_verso)
    day = datetime.now(UTC).strftime("%Y-%m-%d")
    return pdf_response(content, filename=f"courriers-{day}.pdf", **{"X-Letters": str(len(pdfs))})


@router.get(
    "/{letter_id}.pdf",
    summary="Télécharger un courrier (PDF)",
    response_class=Response,
    responses={**RESPONSES, **PDF},
)
async def download(letter_id: LetterId, ctx: Context, _: MailroomAgent) -> Response:
    doc = await mailroom.get(ctx.db, letter_id=letter_id)
    if doc is None:
        raise ProblemError(404, NOT_FOUND)
    return pdf_response(bytes(doc["pdf"]), filename=f"courrier-{doc['reference']}.pdf")


@router.post(
    "/{letter_id}/posted",
    summary="Marquer un courrier comme posté (une seconde fois ne change rien)",
    responses=RESPONSES,
)
async def posted(letter_id: LetterId, ctx: Context, agent: MailroomAgent) -> LetterSummary:
    doc = await mailroom.mark_posted(ctx.db, letter_id=letter_id, agent=agent, at=datetime.now(UTC))
    if doc is None:
        raise ProblemError(404, NOT_FOUND)
    return summary(doc)
