"""My department's queue: filters, counts per status, live updates by server-sent events."""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from services.console.context import Console, ConsoleDep
from services.console.session import SessionAgent, agent_token
from services.console.upstream import TokenRejected, UpstreamDown
from services.console.wording import ADMIN, CHANNELS, STATUSES
from shared.auth import Agent

router = APIRouter(include_in_schema=False)
FILTERS = ("status", "channel", "overdue", "reference", "department")


def filters_of(request: Request, agent: Agent) -> dict[str, str]:
    """The agent's filters, always within their department (admins may pick another)."""
    query = request.query_params
    found = {k: query[k].strip()[:64] for k in FILTERS if query.get(k, "").strip()}
    if found.get("status") not in STATUSES:
        found.pop("status", None)
    if found.get("channel") not in CHANNELS:
        found.pop("channel", None)
    if "overdue" in found:
        found["overdue"] = "true"
    if "reference" in found:
        found["reference"] = found["reference"].upper()
    if ADMIN not in agent.roles or "department" not in found:
        found["department"] = agent.department
    return found


async def snapshot(console: Console, *, token: str, filters: dict[str, str]) -> dict[str, Any]:
    page, stats = await asyncio.gather(
        console.upstream.requests(token=token, filters=filters, limit=console.settings.page_size),
        console.upstream.department_stats(token=token),
    )
    items = page.body.get("items", []) if page.status == 200 else []
    mine = next(
        (s for s in stats if (s.get("department") or {}).get("code") == filters["department"]),
        {"by_status": {}, "overdue": 0, "total": 0},
    )
    return {"items": items, "total": page.body.get("total", 0), "counts": mine}


def fingerprint(snap: dict[str, Any]) -> str:
    rows = [(i["id"], i["status"], i.get("updated_at")) for i in snap["items"]]
    return json.dumps([rows, snap["counts"]], sort_keys=True, default=str)


@router.get("/")
async def queue(request: Request, agent: SessionAgent, console: ConsoleDep) -> HTMLResponse:
    filters = filters_of(request, agent)
    snap = await snapshot(console, token=agent_token(request), filters=filters)
    live = {k: v for k, v in filters.items() if k != "department" or ADMIN in agent.roles}
    return console.render(
        request,
        "queue.html",
        agent=agent,
        filters=filters,
        live_url="/file/flux?" + urlencode(live),
        statuses=STATUSES,
        channels=CHANNELS,
        departments=console.catalogue.departments,
        **snap,
    )


def _event(console: Console, request: Request, snap: dict[str, Any], announce: str) -> str:
    env = console.pages.templates.env
    parts = {
        "queue-rows": env.get_template("_queue_rows.html").render(items=snap["items"]),
        "queue-counts": env.get_template("_queue_counts.html").render(
            counts=snap["counts"], total=snap["total"], statuses=STATUSES
        ),
    }
    data = json.dumps({"parts": parts, "announce": announce})
    return f"event: update\ndata: {data}\n\n"


def _announce(before: set[str], snap: dict[str, Any]) -> str:
    new = [i for i in snap["items"] if i["id"] not in before]
    if new:
        return f"{len(new)} nouvelle(s) demande(s) dans la file : " + ", ".join(
            i["reference"] for i in new
        )
    return "La file a été mise à jour."


async def _updates(
    request: Request, console: Console, *, token: str, filters: dict[str, str]
) -> AsyncIterator[str]:
    """Poll tracking for this agent and push the re-rendered queue when it changed."""
    last: str | None = None
    seen: set[str] = set()
    while not await request.is_disconnected():
        try:
            snap = await snapshot(console, token=token, filters=filters)
        except TokenRejected:
            return
        except UpstreamDown:
            snap = None
        if snap is not None:
            mark = fingerprint(snap)
            if mark != last:  # the first one too: the page may be older than the stream
                announce = _announce(seen, snap) if last is not None else ""
                yield _event(console, request, snap, announce)
            last, seen = mark, {i["id"] for i in snap["items"]}
        yield ": keep-alive\n\n"
        await asyncio.sleep(console.settings.live_poll_s)


@router.get("/file/flux")
async def queue_stream(request: Request, agent: SessionAgent, console: ConsoleDep) -> Response:
    filters = filters_of(request, agent)
    return StreamingResponse(
        _updates(request, console, token=agent_token(request), filters=filters),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.get("/aide")
async def shortcuts_help(
    request: Request, agent: SessionAgent, console: ConsoleDep
) -> HTMLResponse:
    return console.render(request, "help.html", agent=agent)
