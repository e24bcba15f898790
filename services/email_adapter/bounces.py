"""What a bounce says: which of our messages came back, for whom, and why (pure)."""

import re
from dataclasses import dataclass, field
from email.errors import MessageError
from email.message import Message
from email.parser import HeaderParser

from services.email_adapter.charsets import decode_text
from services.email_adapter.classify import own_parts
from services.email_adapter.headers import all_headers, header, message_ids

SCAN_LIMIT = 200_000
QUOTED_MESSAGE_ID = re.compile(r"^[\s>]*Message-ID:\s*<([^<>\s]+)>", re.IGNORECASE | re.MULTILINE)
QUOTED_REFERENCE = re.compile(r"X-Relais-Reference:\s*(\d{4}-[A-Z]\d{6,})\b", re.IGNORECASE)
STATUS = re.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")
SMTP_REPLY = re.compile(r"^.*\b[45]\d\d[ -].*$", re.MULTILINE)
UNKNOWN_REASON = "Courriel non distribué (rapport de non-remise sans diagnostic lisible)."


@dataclass(frozen=True)
class BounceReport:
    message_ids: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    status: str = ""
    diagnostic: str = ""
    delayed: bool = False

    @property
    def reason(self) -> str:
        text = " ".join(filter(None, (self.status, self.diagnostic))).strip()
        return f"Courriel non distribué : {text}"[:1000] if text else UNKNOWN_REASON


def _returned_headers(msg: Message) -> list[Message]:
    found: list[Message] = []
    for part in own_parts(msg):
        kind = part.get_content_type()
        if kind in {"message/rfc822", "message/global"}:
            payload = part.get_payload()
            found += (
                [m for m in payload if isinstance(m, Message)] if isinstance(payload, list) else []
            )
        elif kind in {"text/rfc822-headers", "message/global-headers"}:
            found.append(HeaderParser().parsestr(_text(part)))
    return found


def _text(part: Message) -> str:
    """A text part's content; damaged parts (bad charset labels...) read as nothing."""
    try:
        payload = part.get_payload(decode=True)
        charset = part.get_param("charset")
    except (ValueError, LookupError, MessageError):
        return ""
    if not isinstance(payload, bytes):
        return ""
    return decode_text(payload[:SCAN_LIMIT], charset if isinstance(charset, str) else None)


def _texts(msg: Message) -> str:
    parts = [p for p in own_parts(msg) if p.get_content_maintype() == "text"]
    for inner in _returned_headers(msg):
        parts += [p for p in inner.walk() if p.get_content_maintype() == "text"]
    return "\n".join(_text(p) for p in parts)[:SCAN_LIMIT]


def _dsn_fields(msg: Message) -> list[Message]:
    blocks: list[Message] = []
    for part in own_parts(msg):
        if part.get_content_type().endswith("delivery-status"):
            payload = part.get_payload()
            if isinstance(payload, list):
                blocks += [b for b in payload if isinstance(b, Message)]
    return [b for b in blocks if header(b, "Action") or header(b, "Status")]


def _status(msg: Message, text: str) -> tuple[str, str, bool]:
    recipients = _dsn_fields(msg)
    failed = [b for b in recipients if header(b, "Action").lower() == "failed"]
    if chosen := next(iter(failed or recipients), None):
        status = header(chosen, "Status")
        diagnostic = header(chosen, "Diagnostic-Code")
        action = header(chosen, "Action").lower()
        delayed = action == "delayed" or (not action and status.startswith("4"))
        return status, diagnostic, not failed and delayed
    status_match = STATUS.search(text)
    reply = SMTP_REPLY.search(text)
    status = status_match.group(1) if status_match else ""
    diagnostic = reply.group(0).strip()[:500] if reply else ""
    return status, diagnostic, False


def read_bounce(msg: Message) -> BounceReport:
    text = _texts(msg)
    ids: list[str] = []
    references: list[str] = []
    for inner in _returned_headers(msg):
        ids += message_ids(header(inner, "Message-ID"))
        references += [r for r in all_headers(inner, "X-Relais-Reference") if r]
    ids += QUOTED_MESSAGE_ID.findall(text)
    ids += message_ids(" ".join(all_headers(msg, "In-Reply-To") + all_headers(msg, "References")))
    references += QUOTED_REFERENCE.findall(text)
    status, diagnostic, delayed = _status(msg, text)
    return BounceReport(
        message_ids=list(dict.fromkeys(ids))[:20],
        references=list(dict.fromkeys(references))[:5],
        status=status,
        diagnostic=diagnostic,
        delayed=delayed,
    )
