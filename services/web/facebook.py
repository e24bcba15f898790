"""The town's Facebook page webhook: subscription check and citizens' messages.

Facebook redelivers a webhook until it gets a 200, so 200 is answered only once every
message's event is in Kafka (503 otherwise); redelivered messages are recognised by `mid`.
"""

import secrets
from functools import partial
from typing import Annotated

import structlog
from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import PlainTextResponse

from services.web.body import json_object, validate
from services.web.context import Web, WebContext
from services.web.delivery import LazyRaw, Message, Outcome, deliver
from services.web.docs import answers, body_of
from services.web.drafts import facebook_draft
from services.web.facebook_events import (
    FacebookMessage,
    Webhook,
    WebhookDocument,
    citizens_messages,
)
from services.web.metrics import WEBHOOK_MESSAGES
from services.web.schemas import WebhookReceipt
from shared.events import Channel
from shared.http import CorrelationId, read_body
from shared.problems import ProblemError
from shared.signatures import check_facebook

log = structlog.get_logger(__name__)
router = APIRouter(prefix="/v1/facebook", tags=["Facebook"])
JSON = "application/json"
WEBHOOK_ERRORS = (400, 401, 403, 413, 422, 503)


@router.get(
    "/webhook",
    response_class=PlainTextResponse,
    summary="Vérification de l'abonnement par Facebook (renvoie hub.challenge)",
    responses=answers(200, "Abonnement confirmé : hub.challenge en texte brut", 403),
)
async def verify_subscription(
    web: WebContext,
    mode: Annotated[str | None, Query(alias="hub.mode", max_length=100)] = None,
    token: Annotated[str | None, Query(alias="hub.verify_token", max_length=1000)] = None,
    challenge: Annotated[str | None, Query(alias="hub.challenge", max_length=1000)] = None,
) -> PlainTextResponse:
    expected = web.settings.facebook_verify_token.encode()
    given = (token or "").encode()
    if mode == "subscribe" and challenge and secrets.compare_digest(given, expected):
        log.info("facebook.subscription_verified")
        return PlainTextResponse(challenge, headers={"X-Content-Type-Options": "nosniff"})
    raise ProblemError(403, "Vérification refusée : mode ou jeton de vérification invalide.")


@router.post(
    "/webhook",
    summary="Messages reçus sur la page Facebook de la ville",
    responses=answers(
        200,
        "Messages publiés (Kafka en a accusé réception) ou ignorés",
        400,
        401,
        403,
        413,
        422,
        503,
    ),
    openapi_extra=body_of(WebhookDocument, JSON),
)
async def receive_messages(
    request: Request,
    web: WebContext,
    correlation_id: CorrelationId,
    signature: Annotated[
        str | None,
        Header(
            alias="X-Hub-Signature-256",
            description="sha256=<HMAC-SHA256 hexadécimal du corps brut, clé : secret de l'app>",
        ),
    ] = None,
) -> WebhookReceipt:
    raw = await read_body(request, max_bytes=web.settings.max_body_bytes)
    check_facebook(secret=web.settings.facebook_app_secret, body=raw, header=signature)
    webhook = validate(Webhook, json_object(raw))
    if webhook.object != "page":
        log.info("facebook.not_a_page_event", object=webhook.object[:64])
        return WebhookReceipt(ignored=len(webhook.entry))
    found = citizens_messages(webhook)
    if found.invalid:
        log.warning("facebook.invalid_events", count=found.invalid)
    receipt = WebhookReceipt(ignored=found.ignored + found.invalid)
    kept = LazyRaw(
        partial(
            web.keep_raw, content=raw, content_type="application/json", channel=Channel.FACEBOOK
        )
    )
    for message in found.messages:
        outcome = await _deliver(web, message, kept, correlation_id)
        _tally(receipt, outcome)
    log.info("facebook.webhook", **receipt.model_dump())
    return receipt


async def _deliver(
    web: Web, message: FacebookMessage, raw: LazyRaw, correlation_id: str
) -> Outcome:
    return await deliver(
        web,
        message=Message(
            channel=Channel.FACEBOOK,
            message_id=message.mid,
            text=message.description,
            thread_key=f"facebook:{message.psid}",
            draft=facebook_draft(message),
        ),
        find_target=partial(
            web.threads.facebook_target,
            psid=message.psid,
            within=web.settings.followup_window,
        ),
        raw=raw,
        correlation_id=correlation_id,
    )


def _tally(receipt: WebhookReceipt, outcome: Outcome) -> None:
    if outcome.duplicate:
        receipt.duplicates += 1
        kind = "duplicate"
    elif outcome.follow_up:
        receipt.follow_ups += 1
        kind = "follow_up"
    else:
        receipt.new_requests += 1
        kind = "new_request"
    WEBHOOK_MESSAGES.labels("facebook", kind).inc()
