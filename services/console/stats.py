"""Statistics per department: SVG charts and CSV export, from tracking's statistics."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.console.charts import department_lines, stacked_bars, to_csv
from services.console.context import ConsoleDep
from services.console.session import SessionAgent, agent_token
from services.console.wording import STATUSES

router = APIRouter(include_in_schema=False)


@router.get("/statistiques")
async def statistics(request: Request, agent: SessionAgent, console: ConsoleDep) -> HTMLResponse:
    stats = await console.upstream.department_stats(token=agent_token(request))
    lines = department_lines(stats, console.catalogue.departments)
    return console.render(
        request,
        "stats.html",
        agent=agent,
        lines=lines,
        chart=stacked_bars(lines),
        statuses=STATUSES,
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
