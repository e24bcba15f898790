"""Tracking settings, read from the environment."""

from pydantic import Field

from shared.auth import AgentAuthSettings
from shared.config import ServiceSettings

SOURCE = "/relais/tracking"


class TrackingSettings(ServiceSettings, AgentAuthSettings):
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
    timezone: str = "Europe/Paris"
    closing_time: str = Field(default="17:30", pattern=r"^\d{2}:\d{2}$")
