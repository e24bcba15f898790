"""« Factures »: the town's invoices for agents, filtered by state, page by page (payments)."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from services.console.context import ConsoleDep
from services.console.session import SessionAgent, agent_token

router = APIRouter(include_in_schema=False)
# The page's filter -> payments' status filter, and the label the agent reads.
STATES = {
    "a_payer": ("due", "À payer"),
    "en_retard": ("overdue", "En retard"),
    "payee": ("paid", "Payée"),
}
State = Literal["a_payer", "en_retard", "payee"]


@router.get("/factures")
async def invoices(
    request: Request,
    agent: SessionAgent,
    console: ConsoleDep,
    etat: Annotated[State | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
) -> HTMLResponse:
    size = console.settings.page_size
    answer = await console.upstream.invoices(
        token=agent_token(request),
        status=STATES[etat][0] if etat else None,
        limit=size,
        offset=(page - 1) * size,
    )
    if answer.status in (403, 404):
        return console.render(
            request, "forbidden.html", agent=agent, status_code=403, message=answer.detail
        )
    body = answer.body if answer.status == 200 and isinstance(answer.body, dict) else {}
    total = int(body.get("total") or 0)
    return console.render(
        request,
        "invoices.html",
        agent=agent,
        invoices=body.get("items", []),
        total=total,
        page=page,
        last_page=max(1, -(-total // size)),
        state=etat,
        states={key: label for key, (_, label) in STATES.items()},
    )
