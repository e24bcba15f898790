"""Requests an agent logs: a visit at the front desk, a phone call."""

from fastapi import APIRouter, Response

from services.desk.context import DeskContext, agent_message_id
from services.desk.docs import AGENT_SECURITY, answers
from services.desk.drafts import (
    ContactError,
    call_draft,
    caller_number,
    citizen_of,
    visit_draft,
)
from services.desk.guards import AgentRoute
from services.desk.schemas import Accepted, CallBody, VisitBody
from shared.auth import Agent, CurrentAgent
from shared.events import Channel, Citizen
from shared.http import CorrelationId, IdempotencyKey
from shared.intake import Receipt
from shared.uploads import invalid

router = APIRouter(
    prefix="/v1", route_class=AgentRoute, dependencies=AGENT_SECURITY, tags=["accueil"]
)
REPLAYED = "Idempotent-Replayed"
ACCEPTED = "Demande enregistrée : Kafka en a accusé réception"


def checked_citizen(body: VisitBody, *, fallback_phone: str | None = None) -> Citizen:
    try:
        return citizen_of(body.citizen, fallback_phone=fallback_phone)
    except ContactError as exc:
        raise invalid("citizen.preferred_contact", str(exc)) from exc


def call_message_id(body: CallBody, *, agent: Agent, idempotency_key: str | None) -> str | None:
    """One call, one request: the call id wins over the agent's Idempotency-Key."""
    if body.call_id:
        return f"call:{body.call_id}"
    return agent_message_id(agent, idempotency_key)


def mark_replay(response: Response, receipt: Receipt) -> None:
    if receipt.duplicate:
        response.headers[REPLAYED] = "true"


@router.post(
    "/visits",
    status_code=202,
    summary="Enregistrer la demande d'un usager reçu à l'accueil",
    responses=answers(202, ACCEPTED, 401, 422, 503),
)
async def log_visit(
    body: VisitBody,
    agent: CurrentAgent,
    desk: DeskContext,
    correlation_id: CorrelationId,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Accepted:
    citizen = checked_citizen(body)
    message_id = agent_message_id(agent, idempotency_key)
    draft = visit_draft(body=body, citizen=citizen, agent=agent, message_id=message_id)
    receipt = await desk.intakes[Channel.DESK].submit(draft, correlation_id=correlation_id)
    mark_replay(response, receipt)
    return desk.accepted(
        receipt,
        message=f"Visite enregistrée sous la référence {receipt.reference}. Remettez à "
        "l'usager cette référence et son code de suivi.",
    )


@router.post(
    "/calls",
    status_code=202,
    summary="Enregistrer la demande d'un usager reçue par téléphone",
    description="Avec `call_id`, l'appel connu de la téléphonie est rattaché à la demande "
    "(numéro, horaires) et un même appel ne crée qu'une demande.",
    responses=answers(202, ACCEPTED, 401, 422, 503),
)
async def log_call(
    body: CallBody,
    agent: CurrentAgent,
    desk: DeskContext,
    correlation_id: CorrelationId,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Accepted:
    call = await desk.calls.get(call_id=body.call_id) if body.call_id else None
    citizen = checked_citizen(body, fallback_phone=caller_number(body, call))
    message_id = call_message_id(body, agent=agent, idempotency_key=idempotency_key)
    draft = call_draft(body=body, citizen=citizen, agent=agent, message_id=message_id, call=call)
    receipt = await desk.intakes[Channel.PHONE].submit(draft, correlation_id=correlation_id)
    if body.call_id:
        await desk.calls.link(
            call_id=body.call_id, request_id=receipt.request_id, reference=receipt.reference
        )
    mark_replay(response, receipt)
    return desk.accepted(
        receipt,
        message=f"Appel enregistré sous la référence {receipt.reference}. Communiquez à "
        "l'usager cette référence et son code de suivi.",
    )
