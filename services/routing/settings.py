from pydantic import Field

from shared.auth import DEV_SECRET
from shared.config import ServiceSettings

DEV_MODEL_KEY = "relais-dev-routing-model-key-change-me"


class RoutingSettings(ServiceSettings):
    service_name: str = "routing"
    http_port: int = 8010
    timezone: str = "Europe/Paris"
    closing_time: str = Field(default="17:30", pattern=r"^\d{2}:\d{2}$")
    agent_jwt_secret: str = Field(default=DEV_SECRET, min_length=16)
    model_signing_key: str = Field(
        default=DEV_MODEL_KEY, min_length=16, description="HMAC key of the stored fitted models"
    )
    reload_interval_s: float = Field(
        default=5.0, ge=0, description="How often a replica checks for newly activated versions"
    )
    whatif_max_requests: int = Field(default=5000, ge=1, le=100_000)
