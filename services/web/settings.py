"""Web channels adapter settings (contact form, Facebook page, chatbot), from the environment."""

from datetime import timedelta

from pydantic import Field, field_validator

from services.web.ratelimit import RateLimit
from shared.attachment_links import AttachmentLinkSettings
from shared.config import ServiceSettings
from shared.events import Channel
from shared.tokens import TrackingCodeSettings

SOURCE = "/relais/web"
CONSUMER_GROUP = "web-adapter"
LETTERS = {Channel.CONTACT_FORM: "F", Channel.FACEBOOK: "S", Channel.CHATBOT: "B"}
DEV_FACEBOOK_VERIFY_TOKEN = "relais-dev-facebook-verify-token"
DEV_FACEBOOK_APP_SECRET = "relais-dev-facebook-app-secret-change-me"
DEV_CHATBOT_SECRET = "relais-dev-chatbot-secret-change-me"


class WebSettings(ServiceSettings, AttachmentLinkSettings, TrackingCodeSettings):
    service_name: str = "web"
    http_port: int = 8003
    max_body_bytes: int = Field(default=1_000_000, gt=0, description="Largest accepted body")
    contact_rate_limit: str = Field(
        default="5/minute",
        description="Contact form posts allowed per client IP: N/second|minute|hour|day",
    )
    contact_honeypot_field: str = Field(
        default="website", min_length=1, description="Hidden field only robots fill in"
    )
    contact_allowed_origins: str = Field(
        default="",
        description="Comma-separated web origins allowed to post the form from a browser (CORS)",
    )
    facebook_verify_token: str = Field(default=DEV_FACEBOOK_VERIFY_TOKEN, min_length=1)
    facebook_app_secret: str = Field(default=DEV_FACEBOOK_APP_SECRET, min_length=1)
    chatbot_secret: str = Field(default=DEV_CHATBOT_SECRET, min_length=16)
    chatbot_max_skew_s: int = Field(default=300, gt=0, le=3600)
    followup_window_days: int = Field(
        default=15, ge=0, description="A closed request still takes follow-ups this long"
    )
    public_tracking_url: str = Field(
        default="http://127.0.0.1:8020/v1/public/requests/{reference}",
        description="The citizen's status page; {reference} is replaced by the reference",
    )

    @field_validator("contact_rate_limit")
    @classmethod
    def _parsable(cls, value: str) -> str:
        RateLimit.parse(value)
        return value

    @property
    def rate_limit(self) -> RateLimit:
        return RateLimit.parse(self.contact_rate_limit)

    @property
    def allowed_origins(self) -> list[str]:
        return [o.strip() for o in self.contact_allowed_origins.split(",") if o.strip()]

    @property
    def followup_window(self) -> timedelta:
        return timedelta(days=self.followup_window_days)

    def status_url(self, reference: str) -> str:
        return self.public_tracking_url.replace("{reference}", reference)
