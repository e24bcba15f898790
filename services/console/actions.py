"""The agents' workspace on a request page: one form per tracking command, with If-Match."""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console.context import Console, ConsoleDep
from services.console.dossier import RequestId, field_errors, load, page
from services.console.session import Csrf, SessionAgent, agent_token, flash

router = APIRouter(include_in_schema=False)
UNKNOWN_REFERENCE = "Aucune demande de votre service ne porte cette référence."


@dataclass(frozen=True)
class Action:
    path: str
    fields: tuple[str, ...]
    done: str


ACTIONS: dict[str, Action] = {
    "prise-en-charge": Action("claim", (), "Demande prise en charge."),
    "attribution": Action("assign", ("agent_id",), "Demande confiée à l'agent."),
    "remise-en-file": Action("unassign", (), "Demande remise dans la file du service."),
    "note": Action("notes", ("text",), "Note interne ajoutée."),
    "reponse": Action("replies", ("text",), "Réponse envoyée à l'usager."),
    "question": Action("questions", ("text",), "Question envoyée à l'usager."),
    "transfert": Action("transfer", ("department", "reason"), "Demande transférée."),
    "consultation": Action("consultations", ("department", "question"), "Avis demandé."),
    "regroupement": Action("merge", ("duplicate_of",), "Doublon rattaché à la demande."),
}
ActionName = Annotated[str, Path(pattern="^(" + "|".join(ACTIONS) + ")$")]


async def _resolve(console: Console, *, token: str, body: dict[str, Any]) -> dict[str, str] | None:
    """The merge form names the kept request by its reference; tracking wants its id."""
    reference = body.get("duplicate_of", "").upper()
    if not reference:
        return None
    answer = await console.upstream.requests(token=token, filters={"reference": reference}, limit=1)
    items = answer.body.get("items") if isinstance(answer.body, dict) else answer.body
    found = [i for i in items or [] if isinstance(i, dict) and i.get("reference") == reference]
    if not found:
        return {"duplicate_of": UNKNOWN_REFERENCE}
    body["duplicate_of"] = found[0]["id"]
    return None


@router.post("/demandes/{request_id}/actions/{name}", dependencies=[Csrf])
async def act(
    request_id: RequestId,
    name: ActionName,
    request: Request,
    agent: SessionAgent,
    console: ConsoleDep,
) -> Response:
    detail = await load(request, console, agent, request_id)
    if isinstance(detail, HTMLResponse):
        return detail
    action = ACTIONS[name]
    form = await request.form()
    body = {f: str(form.get(f) or "").strip() for f in action.fields}
    token = agent_token(request)
    errors = await _resolve(console, token=token, body=body) if name == "regroupement" else None
    if errors is None:
        answer = await console.upstream.act(
            token=token,
            request_id=request_id,
            action=action.path,
            body=body,
            version=str(form.get("version") or ""),
        )
        if answer.status in (200, 202):
            flash(request, action.done)
            return RedirectResponse(f"/demandes/{request_id}", status_code=303)
        errors = field_errors(answer, action.fields)
    values = {f: str(form.get(f) or "") for f in action.fields}
    return await page(
        request, console, agent, detail, form_errors={name: errors}, values={name: values}
    )
