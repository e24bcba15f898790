"""Notification settings, read from the environment."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import Field, SecretStr

from shared.config import ServiceSettings
from shared.tokens import TrackingCodeSettings

SOURCE = "/relais/notification"


class NotificationSettings(ServiceSettings, TrackingCodeSettings):
    service_name: str = "notification"
    http_port: int = 8030
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=1025, gt=0, lt=65536)
    smtp_starttls: bool = False
    smtp_user: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_timeout_s: float = Field(default=10.0, gt=0)
    mail_from: str = "Mairie de Ville-Exemple <relais@ville.example>"
    mail_domain: str = Field(default="ville.example", pattern=r"^[A-Za-z0-9.-]+$")
    reply_to: str = "demandes@ville.example"
    town_name: str = "Ville-Exemple"
    public_status_url: str = Field(
        default="http://127.0.0.1:8070/suivi/{reference}?code={code}",
        description="The citizens' site status page: {reference} and {code} (tracking code) "
        "are replaced; without a code, the part holding {code} is left out",
    )
    timezone: str = "Europe/Paris"
    retry_max_delay_s: float = Field(
        default=30.0, gt=0, description="Longest wait between two tries (SMTP server down)"
    )
    max_parallel_sends: int = Field(
        default=8, ge=1, le=100, description="Emails sent at once (to different requests)"
    )

    def status_url(self, reference: str, code: str | None = None) -> str:
        """The status page of a request, opened directly when its code is known."""
        template = self.public_status_url if code else _without_code(self.public_status_url)
        return template.replace("{reference}", reference).replace("{code}", code or "")


def _without_code(template: str) -> str:
    """The template without the query parameter or fragment that carries {code}."""
    parts = urlsplit(template)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if "{code}" not in v]
    fragment = "" if "{code}" in parts.fragment else parts.fragment
    return urlunsplit(parts._replace(query=urlencode(query, safe="{}"), fragment=fragment))
