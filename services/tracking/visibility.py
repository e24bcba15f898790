"""Which departments see a request: its own (or none yet) and those consulted about it.

Kept as one multikey field, `visible_to`, so that an agent's scope is a single indexed
predicate (department, then the queue's sort key) instead of an `$or` of two.
"""

from shared.mongo import Document

UNROUTED = ""
"""Stands for "no department yet" in `visible_to` (the triage desk sees these)."""


def visible_to(state: Document, changes: Document) -> list[str]:
    merged = {**state, **changes}
    owner = merged.get("department_code") or UNROUTED
    consulted = [d for d in merged.get("consulted_departments") or [] if d != owner]
    return [owner, *consulted]


def changed(state: Document, changes: Document) -> Document:
    """`visible_to` when the event makes or moves the request, else nothing to write."""
    if state and not {"department_code", "consulted_departments"} & changes.keys():
        return {}
    return {"visible_to": visible_to(state, changes)}


def key(department: str | None) -> str:
    return department or UNROUTED
