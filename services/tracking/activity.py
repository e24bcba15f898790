"""What an agent's action records on the request: adoption statistics and escalation read it
(pure)."""

from datetime import datetime

from shared.mongo import Document

SYSTEM = "system"


def touched(at: datetime, state: Document, *, responded: bool = False) -> Document:
    """An agent worked on the request (escalation, adoption statistics, first response)."""
    changes: Document = {
        "last_agent_action_at": at,
        "touched_by_agent": True,
        "department_touched": True,
    }
    if responded and not state.get("first_response_at"):
        changes["first_response_at"] = at
    return changes


def by_agent(actor: str | None) -> bool:
    return bool(actor) and actor != SYSTEM
