"""Notification settings, read from the environment."""

from pydantic import Field, SecretStr

from services.notification.channels.sms_settings import SmsSettings
from shared.config import ServiceSettings

SOURCE = "/relais/notification"


class NotificationSettings(ServiceSettings, SmsSettings):
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
    public_tracking_url: str = Field(
        default="http://127.0.0.1:8020/v1/public/requests/{reference}",
        description="Citizen's status page; {reference} is replaced by the request reference",
    )
    timezone: str = "Europe/Paris"
    retry_max_delay_s: float = Field(
        default=30.0, gt=0, description="Longest wait between two tries (SMTP server down)"
    )
    max_parallel_sends: int = Field(
        default=8, ge=1, le=100, description="Emails sent at once (to different requests)"
    )

    def status_url(self, reference: str) -> str:
        return self.public_tracking_url.replace("{reference}", reference)
