"""Statistics per department: SVG charts and CSV export, from tracking's statistics."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.console import adoption
from services.console.charts import department_lines, stacked_bars, to_csv
from services.console.context import ConsoleDep
from services.console.session import SessionAgent, agent_token
from services.console.wording import ADMIN, CHANNELS, STATUSES

router = APIRouter(include_in_schema=False)
MANAGERS = {"supervisor", ADMIN}


@router.get("/statistiques")
async def statistics(request: Request, agent: SessionAgent, console: ConsoleDep) -> HTMLResponse:
    token = agent_token(request)
    stats = await console.upstream.department_stats(token=token)
    lines = department_lines(stats, console.catalogue.departments)
    manager = bool(MANAGERS & set(agent.roles))
    weekly = await console.upstream.adoption(token=token) if manager else None
    departments = console.catalogue.departments
    weeks = adoption.rows((weekly or {}).get("weeks") or [], departments)
    return console.render(
        request,
        "stats.html",
        agent=agent,
        lines=lines,
        chart=stacked_bars(lines),
        statuses=STATUSES,
        weekly=weekly,
        weeks=weeks,
        channels=CHANNELS,
        channel_chart=adoption.channel_bars(weeks),
        share_chart=adoption.share_bars(weeks),
        backlog=adoption.backlog((weekly or {}).get("backlog_by_age") or {}, departments),
        ages=adoption.AGE_LABELS,
    )


@router.get("/statistiques.csv")
async def statistics_csv(request: Request, agent: SessionAgent, console: ConsoleDep) -> Response:
    stats = await console.upstream.department_stats(token=agent_token(request))
    text = to_csv(department_lines(stats, console.catalogue.departments))
    return Response(
        "\ufeff" + text,  # a BOM so that spreadsheet software reads the accents right
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="statistiques-relais.csv"'},
    )


@router.get("/statistiques/adoption.csv")
async def adoption_csv(request: Request, agent: SessionAgent, console: ConsoleDep) -> Response:
    """Tracking's own CSV of the weekly figures, passed through."""
    found = await console.upstream.adoption_csv(token=agent_token(request))
    if found is None:
        return Response("Réservé aux responsables et aux administrateurs.", status_code=403)
    return Response(
        found,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="adoption-relais.csv"'},
    )
