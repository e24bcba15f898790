"""Which request a citizen's mail continues: reference in the subject, then mail headers."""

import re

from services.email_adapter.parsing import ParsedEmail
from shared.directory import RequestDirectory
from shared.mongo import Document

REPLY_PREFIX = re.compile(
    r"^\s*((re|tr|fwd?|aw|wg|rv|sv|antw|r[ée]f)\s*(\[\d+\]|\(\d+\))?\s*:\s*)+", re.IGNORECASE
)
REFERENCE = re.compile(r"\b\d{4}-[A-Z]\d{6}\b")


def strip_reply_prefixes(subject: str) -> str:
    return REPLY_PREFIX.sub("", subject, count=1).strip()


def subject_references(subject: str) -> list[str]:
    return list(dict.fromkeys(REFERENCE.findall(strip_reply_prefixes(subject))))


def replied_message_ids(parsed: ParsedEmail) -> list[str]:
    """In-Reply-To first, then References from the most recent."""
    return list(dict.fromkeys([*parsed.in_reply_to, *reversed(parsed.references)]))[:20]


async def _candidates(directory: RequestDirectory, parsed: ParsedEmail) -> list[Document]:
    found = [await directory.by_reference(r) for r in subject_references(parsed.subject)]
    found += [await directory.by_message_id(m) for m in replied_message_ids(parsed)]
    return [doc for doc in found if doc is not None]


async def request_continued(*, directory: RequestDirectory, parsed: ParsedEmail) -> Document | None:
    """The request this mail follows up, only if it belongs to the sender (else None)."""
    sender = parsed.from_address.strip().lower()
    if not sender:
        return None
    for doc in await _candidates(directory, parsed):
        if (doc.get("citizen_email") or "").lower() == sender:
            return doc
    return None
