"""The chatbot's webhook: each message signed and timestamped, threaded by conversation."""

import time
from functools import partial
from typing import Annotated

import structlog
from fastapi import APIRouter, Header, Request

from services.web.body import json_object, validate
from services.web.context import WebContext
from services.web.delivery import LazyRaw, Message, deliver
from services.web.docs import answers, body_of
from services.web.drafts import chatbot_draft
from services.web.metrics import WEBHOOK_MESSAGES
from services.web.schemas import ChatbotAccepted, ChatbotMessage
from shared.events import Channel
from shared.http import CorrelationId, read_body
from shared.signatures import check_chatbot

log = structlog.get_logger(__name__)
router = APIRouter(prefix="/v1/chatbot", tags=["assistant en ligne"])


@router.post(
    "/webhook",
    status_code=202,
    summary="Message d'un usager transmis par l'assistant en ligne (chatbot)",
    responses=answers(
        202,
        "Nouvelle demande ou message ajouté à la demande de la conversation ; "
        "Kafka en a accusé réception",
        400,
        401,
        413,
        422,
        503,
    ),
    openapi_extra=body_of(ChatbotMessage, "application/json"),
)
async def receive_message(
    request: Request,
    web: WebContext,
    correlation_id: CorrelationId,
    timestamp: Annotated[
        str | None, Header(alias="X-Relais-Timestamp", description="Heure d'envoi (secondes Unix)")
    ] = None,
    signature: Annotated[
        str | None,
        Header(
            alias="X-Relais-Signature",
            description='sha256=<HMAC-SHA256 hexadécimal de "<horodatage>." + corps brut>',
        ),
    ] = None,
) -> ChatbotAccepted:
    settings = web.settings
    raw = await read_body(request, max_bytes=settings.max_body_bytes)
    check_chatbot(
        secret=settings.chatbot_secret,
        body=raw,
        timestamp=timestamp,
        signature=signature,
        now=time.time(),
        max_skew_s=settings.chatbot_max_skew_s,
    )
    message = validate(ChatbotMessage, json_object(raw))
    thread_key = f"chatbot:{message.conversation_id}"
    outcome = await deliver(
        web,
        message=Message(
            channel=Channel.CHATBOT,
            message_id=message.message_id,
            text=message.text,
            thread_key=thread_key,
            draft=chatbot_draft(message),
        ),
        find_target=partial(web.threads.target, key=thread_key, within=settings.followup_window),
        raw=LazyRaw(
            partial(
                web.keep_raw, content=raw, content_type="application/json", channel=Channel.CHATBOT
            )
        ),
        correlation_id=correlation_id,
    )
    kind = "duplicate" if outcome.duplicate else "follow_up" if outcome.follow_up else "new_request"
    WEBHOOK_MESSAGES.labels("chatbot", kind).inc()
    log.info("chatbot.message", outcome=kind)
    reference = outcome.target.reference
    return ChatbotAccepted(
        id=outcome.target.request_id,
        reference=reference,
        follow_up=outcome.follow_up,
        duplicate=outcome.duplicate,
        tracking_token=outcome.tracking_token,
        status_url=settings.status_url(reference),
        message=(
            f"Message ajouté à la demande {reference}."
            if outcome.follow_up
            else f"Votre demande a bien été enregistrée sous la référence {reference}."
        ),
    )
