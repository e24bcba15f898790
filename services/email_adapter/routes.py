"""Agents' view of quarantined mail: list it, and reprocess a message once the cause is fixed."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel

from services.email_adapter.pipeline import TEMPORARY, Pipeline
from services.email_adapter.quarantine import PENDING
from shared.auth import CurrentAgent
from shared.http import app_state
from shared.problems import ProblemError

router = APIRouter(prefix="/v1/quarantine", tags=["quarantaine"])
ItemId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="Identifiant en quarantaine")]


PipelineDep = Annotated[Pipeline, Depends(app_state("pipeline"))]
REPROCESS_ERRORS: dict[int | str, dict[str, str]] = {
    404: {"description": "Aucun courriel en quarantaine sous cet identifiant"},
    409: {"description": "Déjà retraité"},
    422: {"description": "Le courriel ne peut toujours pas être traité"},
    503: {"description": "Kafka indisponible : réessayer plus tard"},
}
FATES = {
    "request": "nouvelle demande {reference}",
    "follow_up": "message ajouté à la demande {reference}",
    "automatic": "courriel automatique, sans suite",
    "bounce": "avis de non-remise rattaché à la demande {reference}",
    "bounce_unmatched": "avis de non-remise sans notification correspondante",
    "bounce_delayed": "avis de retard de remise, sans suite",
}


class QuarantinedMessage(BaseModel):
    id: str
    received_at: datetime
    size: int
    error: str
    state: str
    attempts: int
    fate: str | None = None
    reference: str | None = None


class QuarantineList(BaseModel):
    items: list[QuarantinedMessage]


class Reprocessed(BaseModel):
    id: str
    fate: str
    reference: str | None
    message: str


def _item(doc: dict[str, object]) -> QuarantinedMessage:
    found = doc.get("outcome")
    outcome = found if isinstance(found, dict) else {}
    return QuarantinedMessage.model_validate(
        {
            **doc,
            "id": doc["_id"],
            "fate": outcome.get("fate"),
            "reference": outcome.get("reference"),
        }
    )


@router.get("", summary="Lister les courriels mis en quarantaine")
async def list_quarantine(
    agent: CurrentAgent,
    pipeline: PipelineDep,
    state: Annotated[str | None, Query(pattern="^(pending|reprocessed)$")] = PENDING,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,  # larger would overflow the store
) -> QuarantineList:
    docs = await pipeline.quarantine.listing(state=state, limit=limit, skip=offset)
    return QuarantineList(items=[_item(doc) for doc in docs])


@router.post(
    "/{item_id}/reprocess",
    summary="Retraiter un courriel mis en quarantaine",
    responses=REPROCESS_ERRORS,
)
async def reprocess(item_id: ItemId, agent: CurrentAgent, pipeline: PipelineDep) -> Reprocessed:
    item = await pipeline.quarantine.get(item_id)
    if item is None:
        raise ProblemError(404, "Aucun courriel en quarantaine ne porte cet identifiant.")
    if item["state"] != PENDING:
        raise ProblemError(409, "Ce courriel a déjà été retraité.")
    raw = await pipeline.raw_store.load(item["raw_ref"])
    if raw is None:
        raise ProblemError(404, "Le message d'origine est introuvable.")
    try:
        outcome = await pipeline.process(raw, mail_from=item["mail_from"], raw_ref=item["raw_ref"])
    except TEMPORARY as exc:
        raise ProblemError(
            503, "Service momentanément indisponible, réessayez.", headers={"Retry-After": "5"}
        ) from exc
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        await pipeline.quarantine.failed_again(item_id, error=error)
        raise ProblemError(
            422, "Le courriel ne peut toujours pas être traité.", error=error
        ) from exc
    await pipeline.quarantine.released(item_id, outcome=outcome)
    return Reprocessed(
        id=item_id,
        fate=outcome.fate.value,
        reference=outcome.reference,
        message="Courriel retraité : "
        + FATES.get(outcome.fate.value, outcome.fate.value).format(reference=outcome.reference)
        + ".",
    )
