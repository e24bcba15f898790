"""The front desk: a visit or a phone call logged by the agent, through the desk adapter."""

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import UploadFile

from services.console.context import Console, ConsoleDep
from services.console.session import Csrf, SessionAgent
from services.console.upstream import UpstreamDown
from shared.auth import Agent

router = APIRouter(include_in_schema=False)
KINDS = {
    "visits": "Visite à l'accueil",
    "calls": "Appel téléphonique",
    "letters": "Courrier numérisé",
}
FIELDS = (
    "kind", "category", "subject", "description", "name", "email", "phone",
    "postal_address", "date_received", "scan", "key",
)  # fmt: skip
# The desk names a letter's sender "sender" and a form's JSON part "data".
PREFIXES = ("data.", "citizen.", "sender.")


def body_of(values: dict[str, str], *, kind: str = "visits") -> dict[str, object]:
    """The desk adapter's JSON: empty fields left out (the adapter reads them as absent)."""
    person = ("name", "email", "phone") + (("postal_address",) if kind == "letters" else ())
    citizen = {k: values[k] for k in person if values.get(k)}
    body: dict[str, object] = {
        k: values[k] for k in ("category", "subject", "description") if values.get(k)
    }
    if kind == "letters":
        return body | {"sender": citizen, "date_received": values.get("date_received", "")}
    return body | ({"citizen": citizen} if citizen else {})


def field_errors(errors: list[dict[str, str]]) -> dict[str, str]:
    """The adapter's errors by form field ("citizen.email" is the "email" field)."""
    found: dict[str, str] = {}
    for error in errors:
        name = error.get("field", "")
        for prefix in PREFIXES:
            name = name.removeprefix(prefix)
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
    values = {k: v.strip() for k in FIELDS if isinstance(v := form_data.get(k) or "", str)}
    kind = values.get("kind") if values.get("kind") in KINDS else "visits"
    scan = form_data.get("scan")
    files = None
    if kind == "letters" and isinstance(scan, UploadFile) and scan.filename:
        content_type = scan.content_type or "application/octet-stream"
        files = {"scan": (scan.filename, await scan.read(), content_type)}
    try:
        answer = await console.upstream.log_contact(
            token=request.state.token,
            kind=str(kind),
            body=body_of(values, kind=str(kind)),
            idempotency_key=values.get("key") or uuid.uuid4().hex,
            files=files,
        )
    except UpstreamDown:
        errors = {"general": "Le service d'accueil ne répond pas ; réessayez dans un instant."}
        return _page(request, console, agent, values=values, errors=errors, status_code=503)
    if answer.status != 202:
        errors = field_errors(answer.errors) or {"general": answer.detail}
        return _page(request, console, agent, values=values, errors=errors, status_code=422)
    return _page(request, console, agent, values={"kind": str(kind)}, receipt=answer.body)
