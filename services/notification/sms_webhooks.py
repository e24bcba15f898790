"""What the SMS provider posts to us: citizens' replies (STOP) and delivery reports.

Both are signed: `X-Sms-Signature: sha256=<hex HMAC-SHA256(SMS_WEBHOOK_SECRET, raw body)>`.
A non-2xx answer makes the provider post again, so 200 is answered only once the effect is
stored (and, for a failed delivery, once Kafka acknowledged NotificationFailed).
"""

import hashlib
import hmac
import json
from typing import Annotated, Any, TypeVar

import structlog
from fastapi import APIRouter, Depends, Header, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from services.notification.sms_reports import SmsReports, failed_delivery
from services.notification.sms_schemas import InboundSms, SmsReport, WebhookAnswer, wants_stop
from shared.http import read_body
from shared.phones import to_e164_or_none
from shared.problems import ProblemError

log = structlog.get_logger(__name__)
M = TypeVar("M", bound=BaseModel)
router = APIRouter(prefix="/v1/sms", tags=["SMS"])
SIGNATURE_HEADER = "X-Sms-Signature"
MAX_BODY_BYTES = 64 * 1024
PROBLEMS = {
    400: "Corps illisible (JSON attendu)",
    401: "Signature absente",
    403: "Signature invalide",
    404: "Message SMS inconnu (le rapport sera renvoyé)",
    413: "Contenu trop volumineux",
    422: "Données invalides (détail par champ)",
    503: "Base ou courtier d'événements indisponible : réessayer",
}


def _reports(request: Request) -> SmsReports:
    reports: SmsReports = request.app.state.sms_reports
    return reports


Reports = Annotated[SmsReports, Depends(_reports)]
Signature = Annotated[str | None, Header(alias=SIGNATURE_HEADER, max_length=200)]


def sign(*, secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    content: dict[str, Any] = {"application/problem+json": {}}
    return {code: {"description": PROBLEMS[code], "content": content} for code in codes}


def _body(model: type[BaseModel]) -> dict[str, Any]:
    schema = {"schema": model.model_json_schema(by_alias=True)}
    return {"requestBody": {"required": True, "content": {"application/json": schema}}}


async def _signed(
    request: Request, reports: SmsReports, signature: str | None, model: type[M]
) -> M:
    raw = await read_body(request, max_bytes=MAX_BODY_BYTES)
    if not signature:
        raise ProblemError(401, f"Signature absente (en-tête {SIGNATURE_HEADER}).")
    expected = sign(secret=reports.webhook_secret, body=raw)
    if not hmac.compare_digest(signature.strip().lower().encode(), expected.encode()):
        raise ProblemError(403, f"Signature invalide (en-tête {SIGNATURE_HEADER}).")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise ProblemError(400, "Le corps de la requête n'est pas un JSON valide.") from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        raise RequestValidationError(errors) from exc


@router.post(
    "/inbound",
    summary="SMS reçu d'un usager (STOP : il ne reçoit plus de SMS ; START : de nouveau)",
    responses=_responses(400, 401, 403, 413, 422, 503),
    openapi_extra=_body(InboundSms),
)
async def receive_sms(
    request: Request, reports: Reports, signature: Signature = None
) -> WebhookAnswer:
    inbound = await _signed(request, reports, signature, InboundSms)
    number = to_e164_or_none(inbound.sender)
    if number is None:
        raise ProblemError(422, "Numéro de l'expéditeur invalide (E.164 attendu).")
    action = wants_stop(inbound.text)
    if action == "stop":
        await reports.opt_outs.opt_out(address=number, at=inbound.at(), source="sms")
        if reports.preferences is not None:
            await reports.preferences.opt_out("sms", number)
        answer = WebhookAnswer(status="opted_out")
    elif action == "start":
        await reports.opt_outs.opt_in(address=number)
        if reports.preferences is not None:
            await reports.preferences.opt_in("sms", number, source="sms")
        answer = WebhookAnswer(status="opted_in")
    else:
        answer = WebhookAnswer(status="ignored")
    log.info("sms.inbound", provider_id=inbound.id, outcome=answer.status)
    return answer


@router.post(
    "/reports",
    summary="Accusé de remise d'un SMS (un échec est inscrit sur la demande)",
    responses=_responses(400, 401, 403, 404, 413, 422, 503),
    openapi_extra=_body(SmsReport),
)
async def receive_report(
    request: Request, reports: Reports, signature: Signature = None
) -> WebhookAnswer:
    report = await _signed(request, reports, signature, SmsReport)
    record = await reports.messages.find(provider_id=report.id, key=report.client_reference)
    if record is None:
        raise ProblemError(404, "Message SMS inconnu.")
    outcome = report.outcome()
    if outcome is None:
        return WebhookAnswer(status="ignored")
    reason = failed_delivery(report) if outcome == "failed" else None
    await reports.messages.reported(key=record.key, state=outcome, reason=reason, at=report.at())
    if outcome == "failed":
        await reports.publish_failure(key=record.key)
    log.info("sms.report", notice_key=record.key, outcome=outcome)
    return WebhookAnswer(status=outcome)
