"""Agents' console settings, read from the environment."""

from pydantic import Field

from shared.auth import DEV_SECRET
from shared.web.town import TownSettings

DEV_SESSION_SECRET = "relais-dev-console-session-secret-change-me"


class ConsoleSettings(TownSettings):
    service_name: str = "console"
    http_port: int = 8080
    tracking_url: str = Field(default="http://127.0.0.1:8020", description="Tracking service")
    desk_url: str = Field(default="http://127.0.0.1:8002", description="Desk adapter")
    notification_url: str = Field(
        default="http://127.0.0.1:8030", description="Notification (the mail room's letters)"
    )
    documents_url: str = Field(
        default="http://127.0.0.1:8050", description="Documents (shared files, attachments)"
    )
    payments_url: str = Field(default="http://127.0.0.1:8060", description="Payments (invoices)")
    agent_jwt_secret: str = Field(default=DEV_SECRET, min_length=16)
    session_secret: str = Field(default=DEV_SESSION_SECRET, min_length=16)
    session_hours: int = Field(default=10, ge=1, le=24)
    dev_login: bool = Field(default=True, description="The development login page (never in prod)")
    oidc_metadata_url: str | None = Field(
        default=None, description="The town's OpenID provider (.well-known/openid-configuration)"
    )
    oidc_client_id: str = "relais-console"
    oidc_client_secret: str | None = None
    oidc_scopes: str = "openid profile email"
    oidc_department_claim: str = "department"
    oidc_roles_claim: str = "roles"
    live_poll_s: float = Field(default=2.0, gt=0, description="How often live pages poll tracking")
    upstream_timeout_s: float = Field(default=10.0, gt=0)
    page_size: int = Field(default=50, ge=1, le=200)
