"""Notification settings, read from the environment."""

from pathlib import Path

from pydantic import Field, SecretStr

from shared.auth import AgentAuthSettings
from shared.config import ServiceSettings

SOURCE = "/relais/notification"


class NotificationSettings(ServiceSettings, AgentAuthSettings):
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

    town_address: list[str] = Field(
        default=["Hôtel de ville", "1 place de la Mairie", "99999 VILLE-EXEMPLE"],
        description="The letterhead's address lines (JSON list)",
    )
    letter_contact: str = "Tél. 01 23 45 67 89 · relais@ville.example · ville.example"
    letter_signature: str = "Pour le Maire, le service Relations avec les usagers"
    letter_logo_path: Path | None = Field(default=None, description="PNG or JPEG letterhead logo")
    letter_font_dir: Path = Field(
        default=Path("/usr/share/fonts/truetype/dejavu"),
        description="DejaVu TTF fonts (Debian's fonts-dejavu-core); else latin-1 core fonts",
    )
    mailroom_department: str = Field(
        default="accueil", description="The department that posts letters (and admins)"
    )
    letters_kept_days: int = Field(
        default=30, ge=1, le=3650, description="Days a posted letter stays (reprints)"
    )
    batch_max_letters: int = Field(
        default=200, ge=1, le=2000, description="Letters in one printable batch PDF"
    )

    def status_url(self, reference: str) -> str:
        return self.public_tracking_url.replace("{reference}", reference)
