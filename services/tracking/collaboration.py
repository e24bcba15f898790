"""Working with other departments and other requests: consultations and duplicates."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Response

from services.tracking import actions
from services.tracking.access import Worker
from services.tracking.context import Context, CorrelationId
from services.tracking.schemas import ActionResult, Consultation, Merge
from services.tracking.versions import IfMatch, check, expected_version
from services.tracking.workspace import RESPONSES
from shared.events import ConsultationRequested, Department, Event, RequestMerged, RequestStatus
from shared.mongo import Document
from shared.problems import ProblemError

router = APIRouter(prefix="/v1/requests/{request_id}", tags=["espace agents"])
RequestIdPath = Annotated[str, Path(max_length=64, description="Identifiant interne")]
FINAL = {RequestStatus.CLOSED.value, RequestStatus.CANCELLED.value}


@router.post(
    "/consultations",
    summary="Demander l'avis d'un autre service (la demande reste au vôtre)",
    responses=RESPONSES,
)
async def consult(
    request_id: RequestIdPath,
    body: Consultation,
    access: Worker,
    tracking: Context,
    response: Response,
    correlation_id: CorrelationId,
    if_match: IfMatch = None,
) -> ActionResult:
    current = await actions.load(tracking=tracking, access=access, request_id=request_id)
    check(current, expected_version(if_match))
    labels = tracking.department_labels
    if body.department not in labels:
        raise ProblemError(422, f"Service inconnu : « {body.department} ».", field="department")
    if body.department == current.get("department_code"):
        raise ProblemError(409, "La demande est déjà confiée à ce service.")
    consulted = Department(code=body.department, label=labels[body.department])

    def build(doc: Document, expected: int | None) -> Event:
        return ConsultationRequested(
            request_id=doc["_id"],
            reference=doc["reference"],
            actor=access.agent.agent_id,
            expected_version=expected,
            at=datetime.now(UTC),
            department=consulted,
            question=body.question,
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


@router.post(
    "/merge",
    summary="Clore ce doublon en le rattachant à la demande conservée (l'usager est prévenu)",
    responses=RESPONSES,
)
async def merge(
    request_id: RequestIdPath,
    body: Merge,
    access: Worker,
    tracking: Context,
    response: Response,
    correlation_id: CorrelationId,
    if_match: IfMatch = None,
) -> ActionResult:
    current = await actions.load(tracking=tracking, access=access, request_id=request_id)
    check(current, expected_version(if_match))  # a stale version first, like every command
    kept = await actions.load(tracking=tracking, access=access, request_id=body.duplicate_of)
    if kept["_id"] == current["_id"] or kept.get("merged_into"):
        raise ProblemError(409, "Cette demande ne peut pas être conservée pour ce regroupement.")
    if current.get("status") in FINAL:
        raise ProblemError(409, "Cette demande est déjà close.")

    def build(doc: Document, expected: int | None) -> Event:
        return RequestMerged(
            request_id=doc["_id"],
            reference=doc["reference"],
            actor=access.agent.agent_id,
            expected_version=expected,
            at=datetime.now(UTC),
            kept_request_id=kept["_id"],
            kept_reference=kept["reference"],
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
