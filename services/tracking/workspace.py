"""The agents' workspace: claim, assign, notes, replies, questions to the citizen, transfers.

Every action is published to the log and applied by tracking's consumer; the answer is the
applied result (see actions.py).
"""

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from services.tracking import actions, staff
from services.tracking.access import Forwarder, Manager, Role, Staff, Worker
from services.tracking.context import Context, CorrelationId
from services.tracking.schemas import ActionResult, Assignment, Text, Transfer
from services.tracking.transfers import transfer_event
from services.tracking.versions import IfMatch
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
RequestIdPath = Annotated[str, Path(max_length=64, description="Identifiant interne")]
RESPONSES: dict[int | str, dict[str, Any]] = {
    202: {"description": "Enregistrée dans le journal, pas encore appliquée"},
    401: {"description": "Jeton d'agent absent, invalide ou expiré"},
    403: {"description": "Rôle insuffisant"},
    404: {"description": "Demande inconnue (ou d'un autre service)"},
    409: {"description": "Action impossible dans l'état actuel (déjà prise en charge...)"},
    412: {"description": "Version périmée (If-Match)"},
    503: {"description": "Journal d'événements indisponible ; réessayer (Retry-After)"},
}


def _ids(doc: Document) -> dict[str, Any]:
    return {"request_id": doc["_id"], "reference": doc["reference"]}


def _now() -> datetime:
    return datetime.now(UTC)


@router.post("/claim", summary="Prendre en charge la demande", responses=RESPONSES)
async def claim(
    request_id: RequestIdPath,
    access: Worker,
    tracking: Context,
    response: Response,
    correlation_id: CorrelationId,
    if_match: IfMatch = None,
) -> ActionResult:
    current = await actions.load(tracking=tracking, access=access, request_id=request_id)
    me = AgentRef(agent_id=access.agent.agent_id, name=access.agent.name)

    def build(doc: Document, expected: int | None) -> RequestAssigned:
        return RequestAssigned(
            **_ids(doc),
            actor=me.agent_id,
            expected_version=expected,
            at=_now(),
            assignee=me,
            mode="claim",
        )

    return await actions.run(
        tracking=tracking,
        access=access,
        current=current,
        if_match=if_match,
        build=build,
        response=response,
        correlation_id=correlation_id,
    )


@router.post("/assign", summary="Confier la demande à un agent du service", responses=RESPONSES)
async def assign(
    request_id: RequestIdPath,
    body: Assignment,
    access: Manager,
    tracking: Context,
    response: Response,
    correlation_id: CorrelationId,
    if_match: IfMatch = None,
) -> ActionResult:
    current = await actions.load(tracking=tracking, access=access, request_id=request_id)
    department = current.get("department_code")
    member = await staff.member(db=tracking.db, agent_id=body.agent_id, department=department)
    if member is None:
        raise ProblemError(
            422,
            "Cet agent n'est pas connu dans le service de la demande.",
            field="agent_id",
        )
    assignee = AgentRef(agent_id=body.agent_id, name=member.get("name") or "")

    def build(doc: Document, expected: int | None) -> RequestAssigned:
        return RequestAssigned(
            **_ids(doc),
            actor=access.agent.agent_id,
            expected_version=expected,
            at=_now(),
            assignee=assignee,
            mode="assign",
        )

    return await actions.run(
        tracking=tracking,
        access=access,
        current=current,
        if_match=if_match,
        build=build,
        response=response,
        correlation_id=correlation_id,
    )


@router.post("/unassign", summary="Remettre la demande dans la file", responses=RESPONSES)
async def unassign(
    request_id: RequestIdPath,
    access: Worker,
    tracking: Context,
    response: Response,
    correlation_id: CorrelationId,
    if_match: IfMatch = None,
) -> ActionResult:
    current = await actions.load(tracking=tracking, access=access, request_id=request_id)
    assignee = (current.get("assignee") or {}).get("agent_id")
    mine = assignee == access.agent.agent_id
    if assignee and not mine and not access.has(Role.SUPERVISOR, Role.ADMIN):
        raise ProblemError(403, "Seul un responsable peut retirer la demande à un autre agent.")

    def build(doc: Document, expected: int | None) -> RequestUnassigned:
        return RequestUnassigned(
            **_ids(doc), actor=access.agent.agent_id, expected_version=expected, at=_now()
        )

    return await actions.run(
        tracking=tracking,
        access=access,
        current=current,
        if_match=if_match,
        build=build,
        response=response,
        correlation_id=correlation_id,
    )


@router.post("/notes", summary="Ajouter une note interne (jamais montrée à l'usager)")
async def add_note(
    request_id: RequestIdPath,
    body: Text,
    access: Staff,
    tracking: Context,
    response: Response,
    correlation_id: CorrelationId,
    if_match: IfMatch = None,
) -> ActionResult:
    current = await actions.load(
        tracking=tracking, access=access, request_id=request_id, owner=False
    )
    # A consulted department's note is its answer: the consultation is then closed.
    answering = None if access.owns(current) else access.agent.department

    def build(doc: Document, expected: int | None) -> InternalNoteAdded:
        return InternalNoteAdded(
            **_ids(doc),
            actor=access.agent.agent_id,
            expected_version=expected,
            at=_now(),
            text=body.text,
            department=answering,
        )

    return await actions.run(
        tracking=tracking,
        access=access,
        current=current,
        if_match=if_match,
        build=build,
        response=response,
        correlation_id=correlation_id,
    )


@router.post("/replies", summary="Répondre à l'usager (sans changer le statut)")
async def reply(
    request_id: RequestIdPath,
    body: Text,
    access: Worker,
    tracking: Context,
    response: Response,
    correlation_id: CorrelationId,
    if_match: IfMatch = None,
) -> ActionResult:
    current = await actions.load(tracking=tracking, access=access, request_id=request_id)

    def build(doc: Document, expected: int | None) -> AgentReplied:
        return AgentReplied(
            **_ids(doc),
            actor=access.agent.agent_id,
            expected_version=expected,
            at=_now(),
            text=body.text,
        )

    return await actions.run(
        tracking=tracking,
        access=access,
        current=current,
        if_match=if_match,
        build=build,
        response=response,
        correlation_id=correlation_id,
    )


@router.post("/questions", summary="Demander un complément à l'usager (en attente de l'usager)")
async def ask_citizen(
    request_id: RequestIdPath,
    body: Text,
    access: Worker,
    tracking: Context,
    response: Response,
    correlation_id: CorrelationId,
    if_match: IfMatch = None,
) -> ActionResult:
    current = await actions.load(tracking=tracking, access=access, request_id=request_id)

    def build(doc: Document, expected: int | None) -> CitizenAsked:
        return CitizenAsked(
            **_ids(doc),
            actor=access.agent.agent_id,
            expected_version=expected,
            at=_now(),
            text=body.text,
        )

    return await actions.run(
        tracking=tracking,
        access=access,
        current=current,
        if_match=if_match,
        build=build,
        response=response,
        correlation_id=correlation_id,
    )


@router.post("/transfer", summary="Transférer à un autre service (avec le motif)")
async def transfer(
    request_id: RequestIdPath,
    body: Transfer,
    access: Forwarder,
    tracking: Context,
    response: Response,
    correlation_id: CorrelationId,
    if_match: IfMatch = None,
) -> ActionResult:
    current = await actions.load(tracking=tracking, access=access, request_id=request_id)

    def build(doc: Document, expected: int | None) -> Any:
        return transfer_event(
            doc, body=body, access=access, tracking=tracking, expected=expected, at=_now()
        )

    return await actions.run(
        tracking=tracking,
        access=access,
        current=current,
        if_match=if_match,
        build=build,
        response=response,
        correlation_id=correlation_id,
    )
