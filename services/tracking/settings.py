"""Tracking settings, read from the environment."""

from pydantic import Field

from shared.auth import DEV_SECRET
from shared.config import ServiceSettings

SOURCE = "/relais/tracking"


class TrackingSettings(ServiceSettings):
    service_name: str = "tracking"
    http_port: int = 8020
    agent_jwt_secret: str = Field(default=DEV_SECRET, min_length=16)
    reopen_window_days: int = Field(
        default=15, ge=0, description="A citizen's message reopens a request finished this recently"
    )
    max_page_size: int = Field(default=200, ge=1, le=1000)
