"""A citizen's follow-up received at the desk, by phone or by letter, added to a request."""

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from services.desk.context import Desk, DeskContext
from services.desk.docs import AGENT_SECURITY, answers, data_part, file_part
from services.desk.drafts import follow_up_event
from services.desk.guards import AgentRoute
from services.desk.routes import REPLAYED
from services.desk.schemas import FollowUpAccepted, FollowUpData
from services.desk.settings import SOURCE
from shared.auth import CurrentAgent
from shared.blobs import AttachmentRefused
from shared.envelope import Envelope
from shared.events import Attachment, Channel
from shared.http import CorrelationId, IdempotencyKey
from shared.problems import ProblemError
from shared.uploads import Submission, invalid, parse_data, read_submission

router = APIRouter(
    prefix="/v1", route_class=AgentRoute, dependencies=AGENT_SECURITY, tags=["suivi"]
)
ReferencePath = Annotated[
    str,
    Path(max_length=32, pattern=r"^[0-9]{4}-[A-Z][0-9]{6,}$", examples=["2026-G000001"]),
]
FOLLOW_UP_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": FollowUpData.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "data": data_part("JSON : text, channel (desk, phone ou postal)"),
                        "attachment": file_part("Pièce jointe facultative (courrier numérisé…)"),
                    },
                    "required": ["data"],
                },
                "encoding": {"data": {"contentType": "application/json"}},
            },
        },
    }
}


async def keep_attachment(desk: Desk, upload: Submission) -> tuple[list[Attachment], str | None]:
    """The attachment (checked against the limits) and the raw upload holding it."""
    part = upload.first("attachment")
    if part is None:
        return [], None
    if not part.content:
        raise invalid("attachment", "La pièce jointe est vide.")
    try:
        attachment = await desk.attachments.keep_attachment(
            filename=part.filename, content_type=part.content_type, content=part.content
        )
    except AttachmentRefused as exc:
        too_big = len(part.content) > desk.attachments.limits.max_bytes
        raise ProblemError(413 if too_big else 415, str(exc)) from exc
    raw_ref = await desk.attachments.keep_raw(
        content=upload.raw, content_type=upload.content_type, channel="desk"
    )
    return [attachment], raw_ref


@router.post(
    "/requests/{reference}/messages",
    status_code=202,
    summary="Ajouter à une demande un message de l'usager (accueil, téléphone, courrier)",
    responses=answers(
        202, "Message publié : Kafka en a accusé réception", 400, 401, 404, 413, 415, 422, 503
    ),
    openapi_extra=FOLLOW_UP_BODY,
)
async def add_message(
    reference: ReferencePath,
    request: Request,
    agent: CurrentAgent,
    desk: DeskContext,
    correlation_id: CorrelationId,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> FollowUpAccepted:
    upload = await read_submission(
        request,
        max_bytes=desk.settings.max_body_bytes,
        file_parts=("attachment",),
        json_allowed=True,
    )
    prefix = ("data",) if upload.is_multipart else ()
    data = parse_data(FollowUpData, upload.data, prefix=prefix)
    found = await desk.directory.by_reference(reference)
    if found is None:
        raise ProblemError(404, f"Aucune demande ne porte la référence {reference}.")
    message_id = f"{agent.agent_id}:{idempotency_key or uuid.uuid4().hex}"
    key = f"desk-follow-up:{message_id}"
    attachments: list[Attachment] = []
    raw_ref = None
    if not (idempotency_key and await desk.delivered(key)):
        attachments, raw_ref = await keep_attachment(desk, upload)
    event = follow_up_event(
        request_id=found["_id"],
        reference=reference,
        data=data,
        message_id=message_id,
        attachments=attachments,
        raw_ref=raw_ref,
        received_at=datetime.now(UTC),
    )
    envelope = Envelope(data=event, source=SOURCE, correlation_id=correlation_id)
    if not await desk.intakes[Channel.DESK].record_once(key=key, envelope=envelope):
        response.headers[REPLAYED] = "true"
    return FollowUpAccepted(
        id=found["_id"],
        reference=reference,
        message=f"Message ajouté à la demande {reference}.",
    )
