"""A citizen's mail as a new request's draft, or as a message on an existing request."""

from dataclasses import dataclass
from datetime import UTC, datetime

from email_validator import EmailNotValidError, validate_email

from services.email_adapter.parsing import ParsedEmail
from services.email_adapter.trimming import trim_reply
from shared.events import (
    Attachment,
    Channel,
    Citizen,
    CitizenMessageReceived,
    ContactPreference,
)
from shared.intake import RequestDraft
from shared.redact import redact_codes

NO_TEXT = "(Courriel sans texte)"
MAX_TEXT = 20_000


@dataclass(frozen=True)
class MailContent:
    parsed: ParsedEmail
    message_id: str
    attachments: list[Attachment]
    note: str  # refused attachments, said in French
    raw_ref: str


def valid_address(address: str) -> str | None:
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def citizen_of(parsed: ParsedEmail) -> Citizen:
    email = valid_address(parsed.from_address)
    return Citizen(
        name=parsed.from_name[:200] or None,
        email=email,
        preferred_contact=ContactPreference.EMAIL if email else ContactPreference.NONE,
    )


def _text(body: str, *, fallback: str, note: str) -> str:
    """The citizen's words; a status link they quote loses its code (see shared/tokens.py)."""
    text = (body.strip() or fallback.strip() or NO_TEXT) + note
    return redact_codes(text[:MAX_TEXT])


def _sender_note(parsed: ParsedEmail) -> str:
    if valid_address(parsed.from_address):
        return ""
    return f"\n\nAdresse de l'expéditeur non valide : {parsed.from_address[:300]}"


def new_request(mail: MailContent) -> RequestDraft:
    parsed = mail.parsed
    return RequestDraft(
        channel=Channel.EMAIL,
        channel_message_id=mail.message_id[:500],
        category=None,
        subject=parsed.subject[:300] or None,
        description=_text(
            parsed.text, fallback=parsed.subject, note=mail.note + _sender_note(parsed)
        ),
        citizen=citizen_of(parsed),
        attachments=mail.attachments,
        raw_ref=mail.raw_ref,
    )


def follow_up(*, request_id: str, reference: str, mail: MailContent) -> CitizenMessageReceived:
    return CitizenMessageReceived(
        request_id=request_id,
        reference=reference,
        channel=Channel.EMAIL,
        channel_message_id=mail.message_id[:500],
        text=_text(trim_reply(mail.parsed.text), fallback=mail.parsed.subject, note=mail.note),
        attachments=mail.attachments,
        received_at=datetime.now(UTC),
        raw_ref=mail.raw_ref,
    )
