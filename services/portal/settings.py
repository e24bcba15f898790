"""Portal adapter settings, read from the environment."""

from pydantic import Field

from shared.attachment_links import AttachmentLinkSettings
from shared.config import ServiceSettings
from shared.tokens import TrackingCodeSettings

SOURCE = "/relais/portal"
LETTER = "P"


class PortalSettings(ServiceSettings, AttachmentLinkSettings, TrackingCodeSettings):
    service_name: str = "portal"
    http_port: int = 8001
    public_tracking_url: str = Field(
        default="http://127.0.0.1:8020/v1/public/requests/{reference}",
        description="Citizen's status page; {reference} is replaced by the request reference",
    )
    max_json_bytes: int = Field(default=64 * 1024, gt=0, description="JSON bodies and data parts")
    max_upload_bytes: int = Field(
        default=25 * 1024 * 1024, gt=0, description="Whole multipart bodies (with attachments)"
    )

    def status_url(self, reference: str) -> str:
        return self.public_tracking_url.replace("{reference}", reference)
