"""Events on a citizen request's life, keyed by request id."""

from typing import ClassVar

from pydantic import Field

from shared.events.common import (
    Attachment,
    AwareDatetime,
    Channel,
    Citizen,
    Contract,
    Department,
    FormData,
    Location,
    Reference,
    RequestId,
    RequestStatus,
    RoutingSuggestion,
)


class Event(Contract):
    """Base of every event payload; `event_type` is the CloudEvents `type`."""

    event_type: ClassVar[str]
    request_id: RequestId
    reference: Reference

    @property
    def key(self) -> str:
        """Record key and CloudEvents subject: the request id (one writer per request)."""
        return self.request_id


class RequestSubmitted(Event):
    """A channel adapter received a new request from a citizen."""

    event_type: ClassVar[str] = "relais.request.submitted.v1"
    channel: Channel
    channel_message_id: str | None = Field(default=None, max_length=500)
    category: str | None = Field(default=None, max_length=64)
    subject: str | None = Field(default=None, max_length=300)
    description: str = Field(min_length=1, max_length=20000)
    citizen: Citizen
    location: Location | None = None
    attachments: list[Attachment] = Field(default_factory=list, max_length=20)
    form: FormData | None = None
    tracking_token_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    submitted_at: AwareDatetime
    raw_ref: str | None = Field(default=None, max_length=500)


class CitizenMessageReceived(Event):
    """A follow-up message from the citizen, attached to an existing request."""

    event_type: ClassVar[str] = "relais.request.citizen_message.v1"
    channel: Channel
    channel_message_id: str | None = Field(default=None, max_length=500)
    text: str = Field(min_length=1, max_length=20000)
    attachments: list[Attachment] = Field(default_factory=list, max_length=20)
    received_at: AwareDatetime
    raw_ref: str | None = Field(default=None, max_length=500)


class RequestRouted(Event):
    """Routing chose the department in charge and the due date."""

    event_type: ClassVar[str] = "relais.request.routed.v1"
    department: Department
    category: str | None = Field(default=None, max_length=64, description="Category settled on")
    due_at: AwareDatetime
    rule: str = Field(min_length=1, max_length=100)
    explanation: str = Field(min_length=1, max_length=1000)
    routed_at: AwareDatetime
    confidence: float | None = Field(
        default=None, ge=0, le=1, description="Score of the winning department (1 for a rule)"
    )
    triage: bool = Field(
        default=False,
        description="Not confident enough: the department is the front desk's triage queue "
        "and `suggestions` are what the front desk is shown",
    )
    suggestions: list[RoutingSuggestion] = Field(
        default_factory=list, max_length=5, description="Winner first, then the runners-up"
    )
    rules_version: int | None = Field(default=None, ge=1, description="Routing rule set version")
    model_version: int | None = Field(default=None, ge=1, description="Routing model version")


class RequestTransferred(Event):
    """An agent sent the request on to another department; routing learns from it."""

    event_type: ClassVar[str] = "relais.request.transferred.v1"
    from_department: Department
    to_department: Department
    category: str | None = Field(default=None, max_length=64, description="Category it had")
    reason: str = Field(min_length=1, max_length=1000)
    actor: str = Field(min_length=1, max_length=100)
    transferred_at: AwareDatetime
    due_at: AwareDatetime | None = Field(
        default=None, description="The new department's deadline, counted from the transfer"
    )
    expected_version: int | None = Field(
        default=None, ge=0, description="Version the agent saw (If-Match); None: any"
    )
    arbitrated: bool = Field(
        default=False, description="An administrator's decision: ends a transfer loop"
    )


class RequestStatusChanged(Event):
    """An agent (or the system) moved the request to a new status."""

    event_type: ClassVar[str] = "relais.request.status_changed.v1"
    status: RequestStatus
    comment: str | None = Field(default=None, max_length=5000)
    internal: bool = False
    actor: str = Field(min_length=1, max_length=100)
    changed_at: AwareDatetime


class NotificationSent(Event):
    """The citizen was told about progress."""

    event_type: ClassVar[str] = "relais.notification.sent.v1"
    notification_id: str = Field(min_length=1, max_length=64)
    channel: str = Field(min_length=1, max_length=32)
    template: str = Field(min_length=1, max_length=64)
    message_id: str | None = Field(default=None, max_length=300)
    sent_at: AwareDatetime


class NotificationFailed(Event):
    """A notification could not be delivered (refused, bounced)."""

    event_type: ClassVar[str] = "relais.notification.failed.v1"
    notification_id: str = Field(min_length=1, max_length=64)
    channel: str = Field(min_length=1, max_length=32)
    reason: str = Field(min_length=1, max_length=1000)
    permanent: bool
    failed_at: AwareDatetime
