"""A citizen's follow-up from the status page: a message (and documents) added to a request.

The citizen proves the request is theirs with its tracking code, checked against the hash
the portal's directory (fed from the log) keeps; a wrong code and an unknown reference get
the same 404. The message is published once per Idempotency-Key.
"""

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Header, Path, Request, Response
from pydantic import BaseModel, Field

from services.portal.attachments import keep_uploads
from services.portal.context import PortalDep
from services.portal.fields import PortalModel
from services.portal.forms import FormSpec
from services.portal.limits import LimitedBodyRoute
from services.portal.routes import ERRORS, read_with_files
from services.portal.settings import SOURCE
from shared.envelope import Envelope
from shared.events import Channel, CitizenMessageReceived
from shared.http import CorrelationId, IdempotencyKey
from shared.problems import ProblemError
from shared.tokens import token_matches
from shared.uploads import JSON, parse_data

router = APIRouter(prefix="/v1", tags=["portail"], route_class=LimitedBodyRoute)
NOT_FOUND = "Aucune demande ne correspond à cette référence et à ce code de suivi."


class MessageInput(PortalModel):
    """Message de l'usager au service qui traite sa demande."""

    text: str = Field(min_length=1, max_length=5000, title="Message")


class MessageAccepted(BaseModel):
    reference: str
    message: str


MESSAGE = FormSpec("message", "Message de suivi", MessageInput.__doc__ or "", MessageInput, None)
ReferencePath = Annotated[str, Path(max_length=32, examples=["2026-P000124"])]
TokenHeader = Annotated[str, Header(alias="X-Tracking-Token", max_length=200)]


@router.post(
    "/requests/{reference}/messages",
    status_code=202,
    summary="Ajouter un message ou un document à sa demande (code de suivi)",
    responses={**ERRORS, 404: {"description": NOT_FOUND}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": MessageInput.model_json_schema()},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["data"],
                        "properties": {
                            "data": {"type": "string", "description": "JSON : text"},
                            "files": {
                                "type": "array",
                                "items": {"type": "string", "format": "binary"},
                            },
                        },
                    }
                },
            },
        }
    },
)
async def add_message(
    reference: ReferencePath,
    token: TokenHeader,
    request: Request,
    portal: PortalDep,
    response: Response,
    correlation_id: CorrelationId,
    idempotency_key: IdempotencyKey = None,
) -> MessageAccepted:
    submission = await read_with_files(request, portal=portal)
    found = await portal.directory.by_reference(reference)
    if found is None or not token_matches(token, found.get("tracking_token_hash")):
        raise ProblemError(404, NOT_FOUND)
    message = parse_data(MessageInput, submission.data, prefix=())
    key = f"portal-message:{reference}:{idempotency_key or uuid.uuid4().hex}"
    uploads = submission.files.get("files", ())
    attachments = await keep_uploads(uploads, spec=MESSAGE, blobs=portal.blobs)
    raw_ref = await portal.keep_raw(content=submission.data, content_type=JSON)
    event = CitizenMessageReceived(
        request_id=found["_id"],
        reference=reference,
        channel=Channel.PORTAL,
        channel_message_id=key,
        text=message.text,
        attachments=attachments,
        received_at=datetime.now(UTC),
        raw_ref=raw_ref,
    )
    envelope = Envelope(data=event, source=SOURCE, correlation_id=correlation_id)
    if not await portal.intake.record_once(key=key, envelope=envelope):
        response.headers["Idempotent-Replayed"] = "true"
    return MessageAccepted(reference=reference, message=f"Message ajouté à la demande {reference}.")
