"""Optimistic concurrency: each request's version (events applied to it) as an ETag.

A command sent with `If-Match` on a version that is no longer current answers 412; the version
also travels in the command's event, so two commands that both passed the API's check are
settled by the single writer, in log order.
"""

import re
from typing import Annotated

from fastapi import Header

from shared.mongo import Document
from shared.problems import ProblemError

_TAG = re.compile(r'^\s*(?:W/)?"?(\d{1,12})"?\s*$')
STALE = (
    "La demande a été modifiée entre-temps (version {current}, vous aviez la version "
    "{expected}) ; rechargez-la puis recommencez."
)

IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=40,
        description='Version attendue de la demande (ETag reçu, ex. "7")',
    ),
]


def version_of(doc: Document) -> int:
    return int(doc.get("event_count") or 0)


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(if_match: str | None) -> int | None:
    """The version an `If-Match` header names; None when absent or `*`."""
    if if_match is None or if_match.strip() == "*":
        return None
    found = _TAG.match(if_match)
    if found is None:
        raise ProblemError(
            400, 'En-tête If-Match invalide : attendu la version reçue dans l\'ETag, ex. "7".'
        )
    return int(found.group(1))


def stale(*, current: int, expected: int) -> ProblemError:
    return ProblemError(
        412, STALE.format(current=current, expected=expected), current_version=current
    )


def check(doc: Document, expected: int | None) -> None:
    """412 when the request is no longer at the version the agent saw."""
    if expected is not None and version_of(doc) != expected:
        raise stale(current=version_of(doc), expected=expected)
