"""Email adapter settings, read from the environment."""

from pydantic import AliasChoices, Field

from shared.attachment_links import AttachmentLinkSettings
from shared.auth import DEV_SECRET
from shared.config import ServiceSettings
from shared.tokens import TrackingCodeSettings

SOURCE = "/relais/email-adapter"
CONSUMER_GROUP = "email-adapter"
LETTER = "E"
CHANNEL_NAME = "email"


class EmailSettings(ServiceSettings, AttachmentLinkSettings, TrackingCodeSettings):
    service_name: str = "email_adapter"
    http_port: int = 8005
    smtp_listen_host: str = Field(
        default="127.0.0.1", validation_alias=AliasChoices("SMTP_LISTEN_HOST", "SMTP_HOST")
    )
    smtp_listen_port: int = Field(default=2525, ge=0, le=65535)
    mail_domain: str = Field(default="ville.example", description="The town's mail domain")
    max_message_bytes: int = Field(default=25 * 1024 * 1024, gt=0)
    agent_jwt_secret: str = Field(default=DEV_SECRET, min_length=1)
    imap_host: str = Field(default="", description="Empty: IMAP polling disabled")
    imap_port: int = Field(default=993, ge=1, le=65535)
    imap_ssl: bool = True
    imap_user: str = ""
    imap_password: str = ""
    imap_folder: str = "INBOX"
    imap_poll_s: float = Field(default=60.0, gt=0)

    @property
    def domains(self) -> frozenset[str]:
        return frozenset(d.strip().lower() for d in self.mail_domain.split(",") if d.strip())
