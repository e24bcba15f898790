"""Tracking settings, read from the environment."""

from pydantic import Field

from shared.attachment_links import AttachmentReaderSettings
from shared.auth import AgentAuthSettings
from shared.config import ServiceSettings

SOURCE = "/relais/tracking"


class TrackingSettings(ServiceSettings, AgentAuthSettings, AttachmentReaderSettings):
    service_name: str = "tracking"
    http_port: int = 8020
    reopen_window_days: int = Field(
        default=15, ge=0, description="A citizen's message reopens a request finished this recently"
    )
    max_page_size: int = Field(default=200, ge=1, le=1000)
    triage_department: str = Field(
        default="accueil", description="The front desk's department (triage role)"
    )
    command_wait_s: float = Field(
        default=10.0, gt=0, description="How long an agent's command waits to be applied"
    )
    deadline_near_hours: float = Field(
        default=24, gt=0, description="A deadline this close raises a DeadlineAlert (near)"
    )
    deadline_scan_s: float = Field(default=60, gt=0, description="Deadline and escalation scan")
    watch_enabled: bool = Field(
        default=True, description="Run the deadline, escalation and round-robin watch here"
    )
    escalation_days: dict[str, int] = Field(
        default_factory=dict,
        description="Working days without an agent before escalation, per department (JSON, "
        'e.g. {"urbanisme": 5})',
    )
    escalation_default_days: int = Field(default=3, ge=0, description="0: no escalation")
    round_robin_departments: list[str] = Field(
        default_factory=list, description="Departments whose new requests are assigned in turn"
    )
    round_robin_cap: int = Field(default=10, ge=1, description="Open requests per agent at most")
