"""The mail room: letters waiting to be posted, downloaded one by one or printed at once."""

from typing import Annotated

import httpx
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console.context import ConsoleDep
from services.console.session import Csrf, SessionAgent, agent_token, flash

router = APIRouter(include_in_schema=False)
ID = r"^L[0-9]{14}-[0-9a-f]{16}$"
LetterId = Annotated[str, Path(pattern=ID)]
GONE = "Ce courrier n'existe pas ou plus."


@router.get("/courrier")
async def letters(
    request: Request,
    agent: SessionAgent,
    console: ConsoleDep,
    apres: Annotated[str | None, Query(pattern=ID)] = None,
) -> HTMLResponse:
    token = agent_token(request)
    page = await console.upstream.letters(
        token=token, cursor=apres, limit=console.settings.page_size
    )
    if page.status == 403:
        return console.render(
            request, "forbidden.html", agent=agent, status_code=403, message=page.detail
        )
    body = page.body if page.status == 200 and isinstance(page.body, dict) else {}
    return console.render(
        request,
        "mailroom.html",
        agent=agent,
        letters=body.get("items", []),
        next_cursor=body.get("next_cursor"),
        first_page=apres is None,
    )


def _pdf(found: httpx.Response | None, *, filename: str, missing: str) -> Response:
    if found is None:
        return Response(missing, status_code=404, media_type="text/plain; charset=utf-8")
    return Response(
        found.content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/courrier/lot.pdf")
async def batch(
    request: Request, _: SessionAgent, console: ConsoleDep, recto_verso: bool = False
) -> Response:
    found = await console.upstream.letter_pdf(
        token=agent_token(request),
        name="batch.pdf",
        params={"recto_verso": str(recto_verso).lower()},
    )
    return _pdf(found, filename="courriers-a-poster.pdf", missing="Aucun courrier à imprimer.")


@router.get("/courrier/{letter_id}.pdf")
async def download(
    letter_id: LetterId, request: Request, _: SessionAgent, console: ConsoleDep
) -> Response:
    found = await console.upstream.letter_pdf(token=agent_token(request), name=f"{letter_id}.pdf")
    return _pdf(found, filename=f"{letter_id}.pdf", missing=GONE)


@router.post("/courrier/{letter_id}/poste", dependencies=[Csrf])
async def posted(
    letter_id: LetterId, request: Request, _: SessionAgent, console: ConsoleDep
) -> Response:
    answer = await console.upstream.letter_posted(token=agent_token(request), letter_id=letter_id)
    if answer.status == 200:
        flash(request, f"Courrier de la demande {answer.body['reference']} marqué comme posté.")
    else:
        flash(request, GONE if answer.status == 404 else answer.detail, kind="error")
    return RedirectResponse("/courrier", status_code=303)
