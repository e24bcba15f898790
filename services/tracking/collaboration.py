"""Working with other departments and other requests: consultations and duplicates."""

from fastapi import APIRouter

from services.tracking.actions import WorkerCommand
from services.tracking.schemas import ActionResult, Consultation, Merge
from services.tracking.workspace import RESPONSES
from shared.events import ConsultationRequested, Department, RequestMerged, RequestStatus
from shared.problems import ProblemError

router = APIRouter(prefix="/v1/requests/{request_id}", tags=["espace agents"])
FINAL = {RequestStatus.CLOSED.value, RequestStatus.CANCELLED.value}


@router.post(
    "/consultations",
    summary="Demander l'avis d'un autre service (la demande reste au vôtre)",
    responses=RESPONSES,
)
async def consult(body: Consultation, command: WorkerCommand) -> ActionResult:
    command.check()
    labels = command.tracking.department_labels
    if body.department not in labels:
        raise ProblemError(422, f"Service inconnu : « {body.department} ».", field="department")
    if body.department == command.current.get("department_code"):
        raise ProblemError(409, "La demande est déjà confiée à ce service.")
    consulted = Department(code=body.department, label=labels[body.department])
    return await command.act(ConsultationRequested, department=consulted, question=body.question)


@router.post(
    "/merge",
    summary="Clore ce doublon en le rattachant à la demande conservée (l'usager est prévenu)",
    responses=RESPONSES,
)
async def merge(body: Merge, command: WorkerCommand) -> ActionResult:
    command.check()  # a stale version first, like every command
    current = command.current
    kept = await command.load(body.duplicate_of)
    if kept["_id"] == current["_id"] or kept.get("merged_into"):
        raise ProblemError(409, "Cette demande ne peut pas être conservée pour ce regroupement.")
    if current.get("status") in FINAL:
        raise ProblemError(409, "Cette demande est déjà close.")
    return await command.act(
        RequestMerged, kept_request_id=kept["_id"], kept_reference=kept["reference"]
    )
