"""The front desk: a visit or a phone call logged by the agent, through the desk adapter."""

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.console.context import Console, ConsoleDep
from services.console.session import Csrf, SessionAgent
from services.console.upstream import UpstreamDown
from shared.auth import Agent

router = APIRouter(include_in_schema=False)
KINDS = {"visits": "Visite à l'accueil", "calls": "Appel téléphonique"}
FIELDS = ("kind", "category", "subject", "description", "name", "email", "phone", "key")


def body_of(values: dict[str, str]) -> dict[str, object]:
    """The desk adapter's JSON: empty fields left out (the adapter reads them as absent)."""
    citizen = {k: values[k] for k in ("name", "email", "phone") if values.get(k)}
    body: dict[str, object] = {
        k: values[k] for k in ("category", "subject", "description") if values.get(k)
    }
    return body | ({"citizen": citizen} if citizen else {})


def field_errors(errors: list[dict[str, str]]) -> dict[str, str]:
    """The adapter's errors by form field ("citizen.email" is the "email" field)."""
    found: dict[str, str] = {}
    for error in errors:
        name = error.get("field", "").removeprefix("citizen.")
        found.setdefault(name if name in FIELDS else "general", error.get("message", ""))
    return found


def _page(
    request: Request,
    console: Console,
    agent: Agent,
    *,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    receipt: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return console.render(
        request,
        "frontdesk.html",
        agent=agent,
        status_code=status_code,
        kinds=KINDS,
        categories=console.catalogue.categories.values(),
        values=values,
        errors=errors or {},
        receipt=receipt,
        key=values.get("key") or uuid.uuid4().hex,  # a retry after an error is the same visit
    )


@router.get("/accueil")
async def form(request: Request, agent: SessionAgent, console: ConsoleDep) -> HTMLResponse:
    return _page(request, console, agent, values={"kind": "visits"})


@router.post("/accueil", dependencies=[Csrf])
async def log_contact(request: Request, agent: SessionAgent, console: ConsoleDep) -> HTMLResponse:
    form_data = await request.form()
    values = {k: str(form_data.get(k) or "").strip() for k in FIELDS}
    kind = values["kind"] if values["kind"] in KINDS else "visits"
    try:
        answer = await console.upstream.log_contact(
            token=request.state.token,
            kind=kind,
            body=body_of(values),
            idempotency_key=values["key"] or uuid.uuid4().hex,
        )
    except UpstreamDown:
        errors = {"general": "Le service d'accueil ne répond pas ; réessayez dans un instant."}
        return _page(request, console, agent, values=values, errors=errors, status_code=503)
    if answer.status != 202:
        errors = field_errors(answer.errors) or {"general": answer.detail}
        return _page(request, console, agent, values=values, errors=errors, status_code=422)
    return _page(request, console, agent, values={"kind": kind}, receipt=answer.body)
