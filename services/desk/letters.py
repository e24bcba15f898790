"""Scanned postal letters: the scan is kept as an attachment, the upload as the raw original."""

from fastapi import APIRouter, Request, Response

from services.desk import scans
from services.desk.context import Desk, DeskContext, agent_message_id
from services.desk.docs import AGENT_SECURITY, answers, data_part, file_part
from services.desk.drafts import ContactError, citizen_of, letter_draft
from services.desk.guards import AgentRoute
from services.desk.routes import ACCEPTED, mark_replay
from services.desk.schemas import Accepted, LetterData
from shared.auth import CurrentAgent
from shared.blobs import AttachmentRefused
from shared.events import Attachment, Channel
from shared.http import CorrelationId, IdempotencyKey
from shared.problems import ProblemError
from shared.uploads import Submission, Upload, invalid, parse_data, read_submission

router = APIRouter(
    prefix="/v1", route_class=AgentRoute, dependencies=AGENT_SECURITY, tags=["courrier"]
)
LETTER_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "data": data_part(
                            "JSON : sender {name, postal_address, email?, phone?}, "
                            "date_received (AAAA-MM-JJ), category?, subject?, description"
                        ),
                        "scan": file_part("Le courrier numérisé : PDF, JPEG, PNG ou TIFF"),
                    },
                    "required": ["data", "scan"],
                },
                "encoding": {"data": {"contentType": "application/json"}},
            }
        },
    }
}


def check_scan(desk: Desk, scan: Upload) -> str:
    """The scan's type, or a 413/415/422 problem saying why it is refused."""
    if not scan.content:
        raise invalid("scan", "Le fichier numérisé est vide.")
    kind = scans.effective_type(declared=scan.content_type, content=scan.content)
    size = len(scan.content)
    try:
        desk.scans.check(filename=scan.filename, content_type=kind, size=size)
    except AttachmentRefused as exc:
        raise ProblemError(413 if size > desk.scans.limits.max_bytes else 415, str(exc)) from exc
    if reason := scans.mismatch(filename=scan.filename, kind=kind, content=scan.content):
        raise ProblemError(415, reason)
    return kind


async def keep_letter(
    desk: Desk, *, upload: Submission, scan: Upload, kind: str
) -> tuple[Attachment, str]:
    attachment = await desk.scans.keep_attachment(
        filename=scan.filename, content_type=kind, content=scan.content
    )
    raw_ref = await desk.scans.keep_raw(
        content=upload.raw, content_type=upload.content_type, channel=str(Channel.POSTAL)
    )
    return attachment, raw_ref


@router.post(
    "/letters",
    status_code=202,
    summary="Enregistrer un courrier postal numérisé",
    responses=answers(202, ACCEPTED, 400, 401, 413, 415, 422, 503),
    openapi_extra=LETTER_BODY,
)
async def log_letter(
    request: Request,
    agent: CurrentAgent,
    desk: DeskContext,
    correlation_id: CorrelationId,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Accepted:
    upload = await read_submission(
        request, max_bytes=desk.settings.max_body_bytes, file_parts=("scan",), json_allowed=False
    )
    data = parse_data(LetterData, upload.data, prefix=("data",), context={"today": desk.today()})
    scan = upload.first("scan")
    if scan is None:
        raise invalid("scan", "Joignez le courrier numérisé (partie « scan »).")
    kind = check_scan(desk, scan)
    try:
        citizen = citizen_of(data.sender)
    except ContactError as exc:
        raise invalid("data.sender.preferred_contact", str(exc)) from exc
    message_id = agent_message_id(agent, idempotency_key)
    intake = desk.intakes[Channel.POSTAL]
    # A retried upload stores no second copy of its scan.
    receipt = await intake.replay(channel=Channel.POSTAL, channel_message_id=message_id)
    if receipt is None:
        attachment, raw_ref = await keep_letter(desk, upload=upload, scan=scan, kind=kind)
        draft = letter_draft(
            data=data,
            citizen=citizen,
            agent=agent,
            message_id=message_id,
            scan=attachment,
            raw_ref=raw_ref,
        )
        receipt = await intake.submit(draft, correlation_id=correlation_id)
    mark_replay(response, receipt)
    return desk.accepted(
        receipt,
        message=f"Courrier enregistré sous la référence {receipt.reference}.",
    )
