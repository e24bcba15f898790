"""Free-text search over a request's reference, subject, description and citizen's name.

Words are folded (lower case, no accents) into `search_terms`, a multikey-indexed array
written when the request is submitted, so a search is an index lookup, never a scan.
"""

import re
import unicodedata

MAX_TERMS = 400
MAX_QUERY_TERMS = 8
_WORD = re.compile(r"[a-z0-9]{2,}")


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def words(text: str | None) -> list[str]:
    return _WORD.findall(fold(text or ""))


def terms(
    *, reference: str, subject: str | None, description: str | None, citizen_name: str | None
) -> list[str]:
    """Distinct folded words, the whole reference first, at most MAX_TERMS."""
    found = dict.fromkeys([fold(reference)])
    for text in (reference, subject, citizen_name, description):
        found.update(dict.fromkeys(words(text)))
    return list(found)[:MAX_TERMS]


def query_terms(query: str) -> list[str]:
    """The words a search must all match (a reference is also matched whole)."""
    stripped = query.strip()
    whole = [fold(stripped)] if re.fullmatch(r"\d{4}-[A-Za-z]\d{6,}", stripped) else []
    return (whole or words(stripped))[:MAX_QUERY_TERMS]
