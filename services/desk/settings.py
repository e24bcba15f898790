"""Desk adapter settings (front desk, phone, scanned postal mail), read from the environment."""

from pydantic import Field

from shared.attachment_links import AttachmentLinkSettings
from shared.auth import DEV_SECRET
from shared.config import ServiceSettings
from shared.events import Channel
from shared.tokens import TrackingCodeSettings

SOURCE = "/relais/desk"
CONSUMER_GROUP = "desk-adapter"
LETTERS = {Channel.DESK: "G", Channel.PHONE: "T", Channel.POSTAL: "C"}
DEV_TELEPHONY_SECRET = "relais-dev-telephony-secret-change-me"


class DeskSettings(ServiceSettings, AttachmentLinkSettings, TrackingCodeSettings):
    service_name: str = "desk"
    http_port: int = 8002
    agent_jwt_secret: str = Field(default=DEV_SECRET, min_length=1)
    telephony_webhook_secret: str = Field(
        default=DEV_TELEPHONY_SECRET,
        min_length=16,
        description="Shared secret the telephony (CTI) system sends in X-Telephony-Secret",
    )
    public_tracking_url: str = Field(
        default="http://127.0.0.1:8020/v1/public/requests/{reference}",
        description="The citizen's status page; {reference} is replaced by the reference",
    )
    max_scan_bytes: int = Field(default=10 * 1024 * 1024, gt=0, le=10 * 1024 * 1024)
    timezone: str = "Europe/Paris"

    @property
    def max_body_bytes(self) -> int:
        """A scan plus its JSON description and the multipart framing."""
        return self.max_scan_bytes + 512 * 1024

    def status_url(self, reference: str) -> str:
        return self.public_tracking_url.replace("{reference}", reference)
