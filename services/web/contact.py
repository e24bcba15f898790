"""The website's contact form: JSON or a plain HTML form post, guarded against robots.

Robots fill the hidden honeypot field: they are answered like people (202) so they learn
nothing, but nothing is published; a counter and a log line record each one.
"""

import time
from typing import Any
from urllib.parse import parse_qsl

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from services.web.body import charset, json_object, validate
from services.web.context import Web, WebContext
from services.web.docs import answers, body_of
from services.web.drafts import contact_draft
from services.web.metrics import CONTACT_DISCARDED
from services.web.schemas import CategoryItem, ContactAccepted, ContactForm
from shared.catalogue import load_catalogue
from shared.events import Channel
from shared.http import CorrelationId, media_type, read_body
from shared.problems import ProblemError

log = structlog.get_logger(__name__)
router = APIRouter(prefix="/v1/contact", tags=["formulaire de contact"])
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
RECEIVED = "Votre message a bien été envoyé."
MAX_FORM_FIELDS = 100


@router.get("/categories", summary="Catégories proposées dans le formulaire de contact")
async def categories() -> list[CategoryItem]:
    catalogue = load_catalogue()
    return [CategoryItem(code=c.code, label=c.label) for c in catalogue.categories.values()]


@router.post(
    "",
    status_code=202,
    response_model=ContactAccepted,
    summary="Message envoyé depuis le formulaire de contact du site de la ville",
    responses=answers(
        202, "Demande publiée : Kafka en a accusé réception", 400, 413, 415, 422, 429, 503
    ),
    openapi_extra=body_of(ContactForm, JSON, FORM),
)
async def submit_contact(
    request: Request, web: WebContext, correlation_id: CorrelationId
) -> ContactAccepted | JSONResponse:
    _within_rate(web, request)
    raw = await read_body(request, max_bytes=web.settings.max_body_bytes)
    fields = form_fields(request, raw)
    if _filled(fields.get(web.settings.contact_honeypot_field)):
        CONTACT_DISCARDED.labels("honeypot").inc()
        log.info("contact.honeypot_filled")
        return JSONResponse({"message": RECEIVED}, status_code=202)
    form = validate(ContactForm, fields)
    raw_ref = await web.keep_raw(
        content=raw, content_type=request.headers["content-type"], channel=Channel.CONTACT_FORM
    )
    receipt = await web.intakes[Channel.CONTACT_FORM].submit(
        contact_draft(form, raw_ref=raw_ref), correlation_id=correlation_id
    )
    log.info("contact.submitted", reference=receipt.reference)
    assert receipt.tracking_token is not None
    return ContactAccepted(
        id=receipt.request_id,
        reference=receipt.reference,
        tracking_token=receipt.tracking_token,
        status_url=web.settings.status_url(receipt.reference),
        message=f"{RECEIVED} Votre demande porte la référence {receipt.reference} : "
        "conservez-la pour suivre son traitement.",
    )


def _within_rate(web: Web, request: Request) -> None:
    """Each client address gets a number of posts per window (CONTACT_RATE_LIMIT)."""
    client = request.client.host if request.client else "inconnu"
    verdict = web.limiter.hit(client, now=time.monotonic())
    if not verdict.allowed:
        CONTACT_DISCARDED.labels("rate_limited").inc()
        log.info("contact.rate_limited", retry_after_s=verdict.retry_after_s)
        raise ProblemError(
            429,
            "Trop de messages envoyés depuis votre connexion : "
            f"réessayez dans {verdict.retry_after_s} seconde(s).",
            headers={"Retry-After": str(verdict.retry_after_s)},
        )


def form_fields(request: Request, raw: bytes) -> dict[str, Any]:
    """The posted fields, from JSON or from a URL-encoded HTML form (first value wins)."""
    kind = media_type(request)
    if kind == JSON:
        return json_object(raw)
    if kind != FORM:
        raise ProblemError(415, f"Type de contenu non pris en charge : envoyez {JSON} ou {FORM}.")
    encoding = charset(request)
    try:
        pairs = parse_qsl(
            raw.decode(encoding),
            keep_blank_values=True,
            encoding=encoding,
            errors="strict",
            max_num_fields=MAX_FORM_FIELDS,
        )
    except (ValueError, LookupError) as exc:
        raise ProblemError(400, "Formulaire illisible (encodage ou nombre de champs).") from exc
    fields: dict[str, Any] = {}
    for name, value in pairs:
        fields.setdefault(name, value)
    return fields


def _filled(value: Any) -> bool:
    return bool(value.strip()) if isinstance(value, str) else bool(value)
