"""What the tracking API reads and answers (OpenAPI models)."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.events import RequestStatus, RoutingSuggestion


class Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PublicTimelineEntry(BaseModel):
    at: datetime
    kind: str
    label: str = Field(description="Texte lisible par l'usager")
    status: RequestStatus | None = None
    status_label: str | None = None
    comment: str | None = Field(default=None, description="Message du service à l'usager")
    message: str | None = Field(
        default=None, description="Message de l'usager lui-même (après le dépôt de la demande)"
    )


class PublicRequestView(BaseModel):
    """What the citizen sees: no personal data, no internal notes, no agent names."""

    reference: str
    status: RequestStatus
    status_label: str
    department: str | None = Field(description="Service en charge (libellé)")
    due_at: datetime | None = Field(description="Date de réponse prévue (ISO 8601)")
    submitted_at: datetime | None
    timeline: list[PublicTimelineEntry]


class Department(BaseModel):
    code: str
    label: str


class TimelineEntry(PublicTimelineEntry):
    id: str = Field(description="Identifiant de l'événement")
    internal: bool = Field(description="Visible des seuls agents")
    actor: str | None = None
    internal_comment: str | None = None
    channel: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)


class Assignee(BaseModel):
    agent_id: str
    name: str = ""


class RequestSummary(BaseModel):
    id: str
    version: int = Field(description="Version de la demande (ETag, If-Match)")
    reference: str
    status: RequestStatus
    status_label: str
    channel: str | None
    category: str | None
    subject: str | None
    department: Department | None
    due_at: datetime | None
    overdue: bool
    submitted_at: datetime | None
    updated_at: datetime | None
    assignee: Assignee | None = None
    transfer_count: int = 0
    admin_queue: bool = Field(default=False, description="Transférée trop souvent : arbitrage")
    consulted_departments: list[str] = []


class Routing(BaseModel):
    rule: str
    explanation: str
    category: str | None = None
    routed_at: datetime
    confidence: float | None = None
    triage: bool = Field(default=False, description="Dans la file de tri de l'accueil")
    suggestions: list[RoutingSuggestion] = Field(
        default_factory=list,
        description="Services proposés par le routage, le plus probable d'abord",
    )
    rules_version: int | None = None
    model_version: int | None = None


class ClockView(BaseModel):
    due_at: datetime | None = Field(description="Échéance (jours ouvrés, heure de fermeture)")
    done_at: datetime | None
    paused: bool = Field(description="Horloge arrêtée : en attente de l'usager")
    overdue: bool


class Pause(BaseModel):
    from_: datetime = Field(alias="from")
    to: datetime
    working_days: int


class Clocks(BaseModel):
    first_response: ClockView
    resolution: ClockView
    pauses: list[Pause] = []


class RequestDetail(RequestSummary):
    allowed_statuses: list[RequestStatus] = Field(description="Statuts possibles ensuite")
    requested_category: str | None = None
    description: str | None
    citizen: dict[str, Any] | None
    location: dict[str, Any] | None = None
    attachments: list[dict[str, Any]] = []
    form: dict[str, Any] | None = None
    routing: Routing | None
    status_changed_at: datetime | None = None
    last_citizen_message_at: datetime | None = None
    raw_ref: str | None = None
    clocks: Clocks
    merged_into: dict[str, str] | None = None
    timeline: list[TimelineEntry]


class RequestPage(BaseModel):
    items: list[RequestSummary]
    total: int
    limit: int
    next_cursor: str | None = Field(description="Curseur de la page suivante (absent : fin)")


class StatusChange(Closed):
    status: RequestStatus
    comment: str | None = Field(default=None, min_length=1, max_length=5000)
    internal: bool = Field(default=False, description="Commentaire réservé aux agents")


class StatusChangeAccepted(BaseModel):
    event_id: str
    request_id: str
    status: RequestStatus
    status_label: str


class DepartmentStats(BaseModel):
    department: Department | None = Field(description="Absent : pas encore affectée")
    total: int
    by_status: dict[RequestStatus, int]
    overdue: int


class ActionResult(BaseModel):
    event_id: str
    request_id: str
    applied: bool = Field(description="false : enregistrée, pas encore appliquée (202)")
    version: int | None = None
    request: RequestSummary | None = Field(
        default=None, description="La demande après l'action (absente si hors de votre périmètre)"
    )


class Text(Closed):
    text: str = Field(min_length=1, max_length=5000)


class Assignment(Closed):
    agent_id: str = Field(min_length=1, max_length=100, description="Agent du service")


class Transfer(Closed):
    department: str = Field(min_length=1, max_length=64, description="Code du service")
    reason: str = Field(min_length=1, max_length=1000)


class Consultation(Closed):
    department: str = Field(min_length=1, max_length=64, description="Service consulté")
    question: str = Field(min_length=1, max_length=5000)


class Merge(Closed):
    duplicate_of: str = Field(min_length=1, max_length=64, description="Demande conservée")
