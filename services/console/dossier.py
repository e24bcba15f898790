"""One request: the citizen's messages and attachments, the timeline, the agents' actions."""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from services.console import files
from services.console.context import Console, ConsoleDep
from services.console.session import Csrf, SessionAgent, agent_token, flash
from services.console.upstream import Answer, TokenRejected, UpstreamDown
from services.console.wording import ADMIN, status_label
from shared.auth import Agent

router = APIRouter(include_in_schema=False)
RequestId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
STALE = (
    "Quelqu'un a modifié cette demande pendant que vous la consultiez : "
    "rechargez la page pour voir sa dernière version, puis recommencez."
)
OTHER_DEPARTMENT = "Cette demande est suivie par un autre service : vous ne pouvez pas l'ouvrir."


def may_open(agent: Agent, detail: dict[str, Any]) -> bool:
    """Agents open their own department's requests; administrators open every request."""
    department = (detail.get("department") or {}).get("code")
    return ADMIN in agent.roles or (department is not None and department == agent.department)


async def load(
    request: Request, console: Console, agent: Agent, request_id: str
) -> dict[str, Any] | HTMLResponse:
    answer = await console.upstream.request(token=agent_token(request), request_id=request_id)
    if answer.status == 404:
        return console.render(request, "missing.html", agent=agent, status_code=404)
    if answer.status != 200 or not may_open(agent, answer.body):
        return console.render(
            request, "forbidden.html", agent=agent, status_code=403, message=OTHER_DEPARTMENT
        )
    detail: dict[str, Any] = answer.body
    return detail


@router.get("/demandes/{request_id}")
async def show(
    request_id: RequestId, request: Request, agent: SessionAgent, console: ConsoleDep
) -> HTMLResponse:
    detail = await load(request, console, agent, request_id)
    if isinstance(detail, HTMLResponse):
        return detail
    return await page(request, console, agent, detail)


async def page(
    request: Request,
    console: Console,
    agent: Agent,
    detail: dict[str, Any],
    *,
    form_errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, str]] | None = None,
) -> HTMLResponse:
    """The request page; a refused form comes back with its errors next to its fields."""
    token = agent_token(request)
    found = await files.files(console=console, token=token, request_id=detail["id"])
    found |= await files.invoices(console=console, token=token, detail=detail)
    departments = {
        code: label
        for code, label in console.catalogue.departments.items()
        if code != (detail.get("department") or {}).get("code")
    }
    return console.render(
        request,
        "request.html",
        agent=agent,
        status_code=422 if form_errors else 200,
        r=detail,
        status_label=status_label,
        live_url=f"/demandes/{detail['id']}/flux",
        departments=departments,
        errors=form_errors or {},
        values=values or {},
        manager=bool({"supervisor", ADMIN} & set(agent.roles)),
        **found,
    )


@router.post("/demandes/{request_id}/statut", dependencies=[Csrf])
async def change_status(
    request_id: RequestId, request: Request, agent: SessionAgent, console: ConsoleDep
) -> Response:
    detail = await load(request, console, agent, request_id)
    if isinstance(detail, HTMLResponse):
        return detail
    form = await request.form()
    comment = str(form.get("comment") or "").strip()
    status = str(form.get("status") or "")
    body = {
        "status": status,
        "comment": comment or None,
        "internal": bool(form.get("internal")),
    }
    answer = await console.upstream.act(
        token=agent_token(request),
        request_id=request_id,
        action="status",
        body=body,
        version=str(form.get("version") or ""),
    )
    if answer.status in (200, 202):
        flash(request, f"Statut « {status_label(status)} » enregistré.")
        return RedirectResponse(f"/demandes/{request_id}", status_code=303)
    errors = field_errors(answer, ("status", "comment"))
    values = {"comment": comment}
    return await page(
        request, console, agent, detail, form_errors={"statut": errors}, values={"statut": values}
    )


def field_errors(answer: Answer, fields: tuple[str, ...]) -> dict[str, str]:
    """Tracking's problem document as messages per form field ('' for the whole form)."""
    if answer.status == 412:
        return {"": STALE}
    found: dict[str, str] = {}
    for error in answer.errors:
        name = str(error.get("field") or "").split(".")[-1]
        found.setdefault(name if name in fields else "", str(error.get("message") or ""))
    field = answer.body.get("field") if isinstance(answer.body, dict) else None
    key = field if field in fields else ""
    if key not in found:
        found[key] = answer.detail
    return found


def _parts(console: Console, detail: dict[str, Any]) -> dict[str, str]:
    env = console.pages.templates.env
    return {
        "request-timeline": env.get_template("_timeline.html").render(r=detail),
        "request-status": env.get_template("_status.html").render(r=detail),
    }


async def _updates(
    request: Request, console: Console, *, token: str, request_id: str
) -> AsyncIterator[str]:
    last: str | None = None
    while not await request.is_disconnected():
        try:
            answer = await console.upstream.request(token=token, request_id=request_id)
        except TokenRejected:
            return
        except UpstreamDown:
            answer = None
        if answer is not None and answer.status == 200:
            mark = json.dumps([answer.body.get("status"), len(answer.body.get("timeline", []))])
            if mark != last:  # the first one too: the page may be older than the stream
                announce = "Demande mise à jour." if last is not None else ""
                data = {"parts": _parts(console, answer.body), "announce": announce}
                yield f"event: update\ndata: {json.dumps(data)}\n\n"
            last = mark
        yield ": keep-alive\n\n"
        await asyncio.sleep(console.settings.live_poll_s)


@router.get("/demandes/{request_id}/flux")
async def stream(
    request_id: RequestId, request: Request, agent: SessionAgent, console: ConsoleDep
) -> Response:
    detail = await load(request, console, agent, request_id)
    if isinstance(detail, HTMLResponse):
        return detail
    return StreamingResponse(
        _updates(request, console, token=agent_token(request), request_id=request_id),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store"},
    )
