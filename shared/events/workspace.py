"""Events of agents' work on a request (assignment, notes, replies, consultations, merges).

Every one is published by tracking's agents' API and applied by tracking itself, the single
writer of the request; `expected_version` carries the version the agent saw (If-Match), so a
command that lost a race is refused when applied, in log order.
"""

from typing import ClassVar, Literal

from pydantic import Field

from shared.events.common import AwareDatetime, Contract, Department, Reference, RequestId
from shared.events.request import Event

Text = Field(min_length=1, max_length=5000)


class AgentRef(Contract):
    agent_id: str = Field(min_length=1, max_length=100)
    name: str = Field(default="", max_length=200)


class AgentAction(Event):
    """Base of an agent's command on one request."""

    actor: str = Field(min_length=1, max_length=100, description="Agent id, or `system`")
    expected_version: int | None = Field(
        default=None, ge=0, description="Version the agent saw (If-Match); None: any"
    )
    at: AwareDatetime


class RequestAssigned(AgentAction):
    """The request now has an agent in charge (claimed, assigned by a supervisor, automatic)."""

    event_type: ClassVar[str] = "relais.request.assigned.v1"
    assignee: AgentRef
    mode: Literal["claim", "assign", "automatic"]


class RequestUnassigned(AgentAction):
    """Nobody is in charge of the request any more."""

    event_type: ClassVar[str] = "relais.request.unassigned.v1"


class InternalNoteAdded(AgentAction):
    """A note for agents only: never shown to the citizen, never sent, never in Open311."""

    event_type: ClassVar[str] = "relais.request.internal_note.v1"
    text: str = Text
    internal: Literal[True] = True
    department: str | None = Field(
        default=None, max_length=64, description="Set when a consulted department answers"
    )


class AgentReplied(AgentAction):
    """A public reply to the citizen; the notification service sends `text` to them."""

    event_type: ClassVar[str] = "relais.request.agent_replied.v1"
    text: str = Text


class CitizenAsked(AgentAction):
    """The town asks the citizen for something; the request waits for their answer."""

    event_type: ClassVar[str] = "relais.request.citizen_asked.v1"
    text: str = Text


class ConsultationRequested(AgentAction):
    """Another department's opinion is asked; the request stays with its department."""

    event_type: ClassVar[str] = "relais.request.consultation_requested.v1"
    department: Department
    question: str = Text


class RequestMerged(AgentAction):
    """This request duplicates `kept_request_id`: closed, pointing at the kept request."""

    event_type: ClassVar[str] = "relais.request.merged.v1"
    kept_request_id: RequestId
    kept_reference: Reference


class DeadlineAlert(Event):
    """A request's deadline is near, or missed; tracking raises it once per due date."""

    event_type: ClassVar[str] = "relais.request.deadline_alert.v1"
    stage: Literal["near", "missed"]
    due_at: AwareDatetime
    department_code: str | None = Field(default=None, max_length=64)
    at: AwareDatetime


class RequestEscalated(Event):
    """No agent of the department touched the request in time: its supervisors are told."""

    event_type: ClassVar[str] = "relais.request.escalated.v1"
    department_code: str = Field(min_length=1, max_length=64)
    idle_working_days: int = Field(ge=0)
    at: AwareDatetime
