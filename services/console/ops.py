"""Operations page for administrators: consumer lag, dead letters with their error, replay."""

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console.context import Console, ConsoleDep
from services.console.session import Csrf, SessionAgent, flash
from services.console.wording import ADMIN
from shared.auth import Agent
from shared.kafka.topics import CONSUMER_GROUPS
from shared.ops.deadletters import count_dead_letters, list_dead_letters
from shared.ops.errors import OpsError
from shared.ops.redrive import replay_dead_letters
from shared.ops.topics import topic_overview

router = APIRouter(include_in_schema=False)
Group = Annotated[str, Path(max_length=64, pattern=r"^[a-z0-9-]+$")]
ADMINS_ONLY = "La page d'exploitation est réservée aux administrateurs."


def _refused(request: Request, console: Console, agent: Agent) -> HTMLResponse | None:
    if ADMIN in agent.roles:
        return None
    return console.render(
        request, "forbidden.html", agent=agent, status_code=403, message=ADMINS_ONLY
    )


@router.get("/exploitation")
async def overview(request: Request, agent: SessionAgent, console: ConsoleDep) -> HTMLResponse:
    if refused := _refused(request, console, agent):
        return refused
    kafka, prefix = console.settings.kafka_bootstrap_servers, console.settings.topic_prefix
    _, lags = await topic_overview(bootstrap=kafka, prefix=prefix)
    counts = await count_dead_letters(bootstrap=kafka, prefix=prefix)
    return console.render(request, "ops.html", agent=agent, lags=lags, counts=counts)


@router.get("/exploitation/{group}")
async def dead_letters(
    group: Group, request: Request, agent: SessionAgent, console: ConsoleDep
) -> HTMLResponse:
    if refused := _refused(request, console, agent):
        return refused
    if group not in CONSUMER_GROUPS:
        return console.render(request, "missing.html", agent=agent, status_code=404)
    letters = await list_dead_letters(
        bootstrap=console.settings.kafka_bootstrap_servers,
        prefix=console.settings.topic_prefix,
        group=group,
    )
    return console.render(request, "dead_letters.html", agent=agent, group=group, letters=letters)


@router.post("/exploitation/{group}/{offset}/rejouer", dependencies=[Csrf])
async def replay(
    group: Group,
    offset: Annotated[int, Path(ge=0)],
    request: Request,
    agent: SessionAgent,
    console: ConsoleDep,
) -> Response:
    if refused := _refused(request, console, agent):
        return refused
    try:
        report = await replay_dead_letters(
            bootstrap=console.settings.kafka_bootstrap_servers,
            prefix=console.settings.topic_prefix,
            group=group,
            offsets=[offset],
        )
    except OpsError as exc:
        flash(request, f"Rejeu impossible : {exc}", kind="error")
    else:
        if report.replayed:
            flash(request, f"Lettre morte n° {offset} rejouée vers son topic d'origine.")
        elif report.skipped:
            flash(request, f"La lettre morte n° {offset} a déjà été rejouée.", kind="error")
        else:
            why = report.unreplayable.get(offset, "origine inconnue")
            flash(request, f"Lettre morte n° {offset} non rejouable : {why}", kind="error")
    return RedirectResponse(f"/exploitation/{group}", status_code=303)
