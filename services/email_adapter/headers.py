"""Reading headers of real-world mail without ever raising on a broken one."""

import re
from email.errors import MessageError
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses

from services.email_adapter.charsets import undo_surrogates

MESSAGE_ID = re.compile(r"<([^<>\s]+)>")


def _decode_words(raw: str) -> str:
    try:
        return str(make_header(decode_header(raw)))
    except (ValueError, LookupError, UnicodeError, AssertionError, MessageError):
        return raw


def header(msg: Message, name: str) -> str:
    """One header as clean text: RFC 2047 words decoded, undeclared 8-bit guessed, unfolded."""
    raw = next((v for k, v in msg.raw_items() if k.lower() == name.lower()), None)
    if raw is None:
        return ""
    text = _decode_words(undo_surrogates(str(raw))) if "=?" in raw else undo_surrogates(raw)
    return re.sub(r"\s+", " ", text).strip()


def all_headers(msg: Message, name: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", undo_surrogates(str(v))).strip()
        for k, v in msg.raw_items()
        if k.lower() == name.lower()
    ]


def message_ids(value: str) -> list[str]:
    """Message ids in a Message-ID, In-Reply-To or References value, without brackets."""
    found = MESSAGE_ID.findall(value)
    if not found and value.strip() and " " not in value.strip():
        found = [value.strip()]
    return found


def first_address(msg: Message, name: str) -> tuple[str, str]:
    """(display name, address) of the first mailbox in an address header."""
    for display, address in getaddresses(all_headers(msg, name)):
        if "@" in address:
            return _decode_words(display).strip(), address.strip()
    return "", ""
