"""Bytes to text when senders lie about, or forget, their charset."""

import codecs

# Mail labelled Latin-1 is very often Windows-1252 (curly quotes, euro sign): read it as its
# superset, as browsers do. "us-ascii" with 8-bit bytes means the sender did not say.
SUPERSETS = {"iso8859-1": "cp1252", "latin-1": "cp1252"}
UNDECLARED = {"ascii"}
FALLBACKS = ("utf-8", "cp1252", "latin-1")


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        info = codecs.lookup(label.strip().strip('"'))
    except (LookupError, ValueError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in UNDECLARED:
        return None  # rot13, hex...: not a charset
    return SUPERSETS.get(info.name, info.name)


def decode_text(payload: bytes, declared: str | None = None) -> str:
    """The declared charset if it decodes cleanly, then UTF-8, Windows-1252, Latin-1."""
    if payload.isascii():
        return payload.decode("ascii")
    for codec in (_codec(declared), *FALLBACKS):
        if codec is None:
            continue
        try:
            return payload.decode(codec)
        except (UnicodeError, LookupError):
            continue
    return payload.decode("latin-1", "replace")


def undo_surrogates(value: str) -> str:
    """Header text holding raw 8-bit bytes (surrogate-escaped by the parser), decoded."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    return decode_text(value.encode("utf-8", "surrogateescape"))
