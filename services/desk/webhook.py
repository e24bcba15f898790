"""The telephony (CTI) webhook: call events keyed by call id, idempotent.

Calls only become requests when an agent logs them (POST /v1/calls with the call id).
"""

import structlog
from fastapi import APIRouter
from pydantic import BaseModel

from services.desk.context import DeskContext
from services.desk.docs import TELEPHONY_SECURITY, answers
from services.desk.guards import TelephonyRoute
from services.desk.telephony import CallEvent

log = structlog.get_logger(__name__)
router = APIRouter(
    prefix="/v1/telephony",
    route_class=TelephonyRoute,
    dependencies=TELEPHONY_SECURITY,
    tags=["téléphonie"],
)


class CallAnswer(BaseModel):
    call_id: str
    state: str
    duplicate: bool
    reference: str | None = None


@router.post(
    "/events",
    summary="Événement d'appel de la téléphonie (newCall, answer, hangup)",
    responses=answers(200, "Événement enregistré (ou déjà reçu)", 401, 422, 503),
)
async def telephony_event(event: CallEvent, desk: DeskContext) -> CallAnswer:
    call, new = await desk.calls.record(event=event)
    log.info("telephony.event", kind=event.event, state=call.state, duplicate=not new)
    return CallAnswer(
        call_id=call.call_id, state=call.state, duplicate=not new, reference=call.reference
    )
