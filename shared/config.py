"""Settings every service reads from its environment."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Common settings; each service subclasses this and adds its own fields."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    service_name: str = "relais"
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    topic_prefix: str = Field(default="", description="Namespace for topics (one town, one env)")
    mongodb_uri: str = "mongodb://127.0.0.1:27017/"
    mongodb_database: str = ""
    database_prefix: str = Field(default="", description="Namespace for database names")
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    log_level: str = "INFO"
    publish_timeout_s: float = Field(default=5.0, gt=0)

    @property
    def database_name(self) -> str:
        return self.mongodb_database or f"{self.database_prefix}relais_{self.service_name}"
