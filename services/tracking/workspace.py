"""The agents' workspace: claim, assign, notes, replies, questions to the citizen, transfers.

Every action is published to the log and applied by tracking's consumer; the answer is the
applied result (see actions.py).
"""

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter

from services.tracking import staff
from services.tracking.access import Role
from services.tracking.actions import (
    ForwarderCommand,
    ManagerCommand,
    StaffCommand,
    WorkerCommand,
)
from services.tracking.schemas import ActionResult, Assignment, Text, Transfer
from services.tracking.transfers import transfer_event
from shared.events import (
    AgentRef,
    AgentReplied,
    CitizenAsked,
    InternalNoteAdded,
    RequestAssigned,
    RequestUnassigned,
)
from shared.mongo import Document
from shared.problems import ProblemError

router = APIRouter(prefix="/v1/requests/{request_id}", tags=["espace agents"])
RESPONSES: dict[int | str, dict[str, Any]] = {
    202: {"description": "Enregistrée dans le journal, pas encore appliquée"},
    401: {"description": "Jeton d'agent absent, invalide ou expiré"},
    403: {"description": "Rôle insuffisant"},
    404: {"description": "Demande inconnue (ou d'un autre service)"},
    409: {"description": "Action impossible dans l'état actuel (déjà prise en charge...)"},
    412: {"description": "Version périmée (If-Match)"},
    503: {"description": "Journal d'événements indisponible ; réessayer (Retry-After)"},
}


@router.post("/claim", summary="Prendre en charge la demande", responses=RESPONSES)
async def claim(command: WorkerCommand) -> ActionResult:
    me = AgentRef(agent_id=command.agent_id, name=command.access.agent.name)
    return await command.act(RequestAssigned, assignee=me, mode="claim")


@router.post("/assign", summary="Confier la demande à un agent du service", responses=RESPONSES)
async def assign(body: Assignment, command: ManagerCommand) -> ActionResult:
    department = command.current.get("department_code")
    db = command.tracking.db
    member = await staff.member(db=db, agent_id=body.agent_id, department=department)
    if member is None:
        raise ProblemError(
            422,
            "Cet agent n'est pas connu dans le service de la demande.",
            field="agent_id",
        )
    assignee = AgentRef(agent_id=body.agent_id, name=member.get("name") or "")
    return await command.act(RequestAssigned, assignee=assignee, mode="assign")


@router.post("/unassign", summary="Remettre la demande dans la file", responses=RESPONSES)
async def unassign(command: WorkerCommand) -> ActionResult:
    assignee = (command.current.get("assignee") or {}).get("agent_id")
    mine = assignee == command.agent_id
    if assignee and not mine and not command.access.has(Role.SUPERVISOR, Role.ADMIN):
        raise ProblemError(403, "Seul un responsable peut retirer la demande à un autre agent.")
    return await command.act(RequestUnassigned)


@router.post("/notes", summary="Ajouter une note interne (jamais montrée à l'usager)")
async def add_note(body: Text, command: StaffCommand) -> ActionResult:
    access = command.access
    # A consulted department's note is its answer: the consultation is then closed.
    answering = None if access.owns(command.current) else access.agent.department
    return await command.act(InternalNoteAdded, text=body.text, department=answering)


@router.post("/replies", summary="Répondre à l'usager (sans changer le statut)")
async def reply(body: Text, command: WorkerCommand) -> ActionResult:
    return await command.act(AgentReplied, text=body.text)


@router.post("/questions", summary="Demander un complément à l'usager (en attente de l'usager)")
async def ask_citizen(body: Text, command: WorkerCommand) -> ActionResult:
    return await command.act(CitizenAsked, text=body.text)


@router.post("/transfer", summary="Transférer à un autre service (avec le motif)")
async def transfer(body: Transfer, command: ForwarderCommand) -> ActionResult:
    access, tracking = command.access, command.tracking

    def build(doc: Document, expected: int | None) -> Any:
        at = datetime.now(UTC)
        return transfer_event(
            doc, body=body, access=access, tracking=tracking, expected=expected, at=at
        )

    return await command.run(build)
