"""The text body and the files of a MIME message, whatever its structure."""

import mimetypes
import re
from dataclasses import dataclass
from email.errors import MessageError
from email.message import Message
from email.policy import compat32

from services.email_adapter.charsets import decode_text, undo_surrogates
from services.email_adapter.headers import header
from services.email_adapter.html_text import html_to_text

BODY_TYPES = frozenset({"text/plain", "text/html"})


@dataclass(frozen=True)
class FilePart:
    filename: str
    content_type: str
    content: bytes
    content_id: str | None = None


@dataclass(frozen=True)
class _Found:
    texts: list[tuple[str, str]]  # (content type, text)
    files: list[Message]


def _leaf_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    try:
        charset = part.get_content_charset()
    except (ValueError, LookupError):
        charset = None
    return decode_text(payload, charset)


def _is_body(part: Message) -> bool:
    return (
        part.get_content_type() in BODY_TYPES
        and part.get_content_disposition() != "attachment"
        and not _filename(part)
    )


def _best_alternative(found: list[_Found]) -> list[tuple[str, str]]:
    for wanted in ("text/plain", "text/html"):
        for child in found:
            if any(kind == wanted and text.strip() for kind, text in child.texts):
                return child.texts
    return found[0].texts if found else []


def _walk(part: Message) -> _Found:
    kind = part.get_content_type()
    if kind.startswith("message/") or not part.is_multipart():
        if _is_body(part):
            return _Found([(kind, _leaf_text(part))], [])
        return _Found([], [part])
    children = [_walk(child) for child in part.get_payload() if isinstance(child, Message)]
    files = [f for child in children for f in child.files]
    if kind == "multipart/alternative":
        return _Found(_best_alternative(children), files)
    return _Found([t for child in children for t in child.texts], files)


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or ""
    except (ValueError, LookupError, IndexError, TypeError, MessageError):
        name = ""
    name = undo_surrogates(str(name)).replace("\\", "/").rsplit("/", 1)[-1]
    return re.sub(r"[\x00-\x1f\x7f]", "", name).strip()[:255]


def _serialized(message: Message) -> bytes:
    """An embedded message as bytes; the lenient compat32 generator copes with broken headers."""
    for policy in (message.policy, compat32):
        try:
            return message.as_bytes(policy=policy)
        except Exception:  # the stdlib's header folding has known crashes on broken input
            continue
    return b""


def _content(part: Message) -> bytes:
    if part.get_content_type().startswith("message/"):
        inner = part.get_payload()
        inner = inner[0] if isinstance(inner, list) and inner else inner
        if isinstance(inner, Message):
            return _serialized(inner)
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _content_type(part: Message, filename: str) -> str:
    declared = part.get_content_type()
    if declared == "application/octet-stream" and filename:
        guessed, _ = mimetypes.guess_type(filename)
        return guessed or declared
    return declared


def _file(part: Message, number: int) -> FilePart:
    name = _filename(part)
    kind = _content_type(part, name)
    if not name:
        name = f"piece-jointe-{number}{mimetypes.guess_extension(kind) or '.bin'}"
    content_id = header(part, "Content-ID").strip("<> ") or None
    return FilePart(name, kind, _content(part), content_id)


def body_and_files(msg: Message) -> tuple[str, list[FilePart]]:
    found = _walk(msg)
    texts = [
        html_to_text(t) if k == "text/html" else t.replace("\r\n", "\n").strip()
        for k, t in found.texts
    ]
    body = "\n\n".join(t for t in texts if t)
    return body, [_file(part, n) for n, part in enumerate(found.files, start=1)]
