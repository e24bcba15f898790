"""Telephony (CTI) call events and the state of a call they describe (pure logic).

Each call has at most one event of each kind; each kind sets its own fields, so events can
arrive twice or out of order and the state is the same.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.desk.schemas import CallId
from shared.events.common import AwareDatetime
from shared.phones import to_e164_or_none

EventKind = Literal["newCall", "answer", "hangup"]
TIMESTAMP_FIELD: dict[str, str] = {
    "newCall": "started_at",
    "answer": "answered_at",
    "hangup": "ended_at",
}


class CallEvent(BaseModel):
    """What the telephony system posts for each step of a call."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)

    event: EventKind
    call_id: CallId
    from_: str | None = Field(default=None, alias="from", max_length=64)
    to: str | None = Field(default=None, max_length=64)
    timestamp: AwareDatetime
    agent: str | None = Field(default=None, max_length=100)

    @property
    def key(self) -> str:
        return f"{self.call_id}:{self.event}"


def event_fields(event: CallEvent) -> dict[str, Any]:
    """The fields this event sets on its call: its own timestamp (and the answering agent),
    plus the caller and called numbers, which are the same on every event of a call."""
    fields: dict[str, Any] = {
        TIMESTAMP_FIELD[event.event]: event.timestamp,
        "agent": event.agent if event.event == "answer" else None,
        "from_number": to_e164_or_none(event.from_),
        "to_number": to_e164_or_none(event.to),
    }
    return {k: v for k, v in fields.items() if v is not None}


@dataclass(frozen=True)
class CallState:
    call_id: str
    from_number: str | None = None
    to_number: str | None = None
    started_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    agent: str | None = None
    reference: str | None = None

    @property
    def state(self) -> str:
        if self.ended_at is not None:
            return "ended" if self.answered_at is not None else "missed"
        return "answered" if self.answered_at is not None else "ringing"

    @property
    def duration_s(self) -> int | None:
        if self.answered_at is None or self.ended_at is None:
            return None
        return max(0, round((self.ended_at - self.answered_at).total_seconds()))

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> "CallState":
        return cls(
            call_id=doc["_id"],
            **{k: doc.get(k) for k in cls.__dataclass_fields__ if k != "call_id"},
        )


def request_fields(call: CallState) -> dict[str, str | int | None]:
    """What a request logged for this call records about it."""

    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "call_state": call.state,
        "call_started_at": iso(call.started_at),
        "call_answered_at": iso(call.answered_at),
        "call_ended_at": iso(call.ended_at),
        "call_duration_s": call.duration_s,
        "call_agent": call.agent,
    }
