from pydantic import Field

from shared.config import ServiceSettings


class RoutingSettings(ServiceSettings):
    service_name: str = "routing"
    http_port: int = 8010
    timezone: str = "Europe/Paris"
    closing_time: str = Field(default="17:30", pattern=r"^\d{2}:\d{2}$")
