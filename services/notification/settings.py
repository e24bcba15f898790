"""Notification settings, read from the environment."""

from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import Field, SecretStr

from services.notification.channels.sms_settings import SmsSettings
from services.notification.letter_settings import LetterSettings
from shared.config import ServiceSettings
from shared.tokens import TrackingCodeSettings

SOURCE = "/relais/notification"
DEV_OPT_OUT_SECRET = "relais-dev-opt-out-secret-change-me"


class NotificationSettings(ServiceSettings, TrackingCodeSettings, LetterSettings, SmsSettings):
    service_name: str = "notification"
    http_port: int = 8030
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=1025, gt=0, lt=65536)
    smtp_starttls: bool = False
    smtp_user: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_timeout_s: float = Field(default=10.0, gt=0)
    email_transport: str = Field(
        default="smtp",
        pattern=r"^(smtp|sink)$",
        description="smtp: the town's relay; sink: store what would be sent in the database",
    )
    email_rate_per_hour: int = Field(
        default=30, ge=1, description="Emails to one address per hour at most (loop protection)"
    )
    mail_from: str = "Mairie de Ville-Exemple <relais@ville.example>"
    mail_domain: str = Field(default="ville.example", pattern=r"^[A-Za-z0-9.-]+$")
    reply_to: str = "demandes@ville.example"
    own_addresses: list[str] = Field(
        default_factory=list, description="More addresses of ours never written to (loops)"
    )
    town_name: str = "Ville-Exemple"
    public_status_url: str = Field(
        default="http://127.0.0.1:8070/suivi/{reference}?code={code}",
        description="The citizens' site status page: {reference} and {code} (tracking code) "
        "are replaced; without a code, the part holding {code} is left out",
    )
    public_notification_url: str = Field(
        default="http://127.0.0.1:8030",
        description="Where citizens reach this service (the opt-out page of every message)",
    )
    opt_out_secret: SecretStr = SecretStr(DEV_OPT_OUT_SECRET)
    templates_dir: Path | None = Field(
        default=None,
        description="The town's templates; a file here replaces the packaged one of that name",
    )
    channels: list[str] = Field(
        default_factory=lambda: ["email", "sms", "facebook", "chatbot", "postal"],
        description="Channels this town uses (JSON list); a citizen preferring another is "
        "reported to agents, not sent",
    )
    timezone: str = "Europe/Paris"
    retry_max_delay_s: float = Field(
        default=30.0, gt=0, description="Longest wait between two tries (database down)"
    )
    max_parallel_sends: int = Field(
        default=8, ge=1, le=100, description="Messages sent at once (to different requests)"
    )
    send_attempts: int = Field(default=8, ge=1, description="Tries of one notice before failing")
    send_backoff_s: float = Field(default=30.0, gt=0, description="First wait after a failure")
    send_backoff_max_s: float = Field(default=3600.0, gt=0)
    outbox_lease_s: float = Field(
        default=60.0, gt=0, description="A send in flight longer than this is taken over"
    )
    sweep_interval_s: float = Field(default=5.0, gt=0, description="Outbox sweeper's period")
    messaging_timeout_s: float = Field(default=10.0, gt=0, description="Messenger, chatbot")
    facebook_transport: str = Field(
        default="sink",
        pattern=r"^(sink|graph)$",
        description="sink: store what would be sent in the database; graph: the Send API",
    )
    facebook_graph_url: str = "https://graph.facebook.com"
    facebook_graph_version: str = Field(default="v23.0", pattern=r"^v[0-9]+\.[0-9]+$")
    facebook_page_token: SecretStr = SecretStr("")
    chatbot_transport: str = Field(
        default="sink",
        pattern=r"^(sink|webhook)$",
        description="sink: store what would be sent in the database; webhook: the platform",
    )
    chatbot_reply_url: str = Field(
        default="", description="Where replies to a chatbot conversation are POSTed"
    )
    chatbot_secret: SecretStr = Field(
        default=SecretStr("relais-dev-chatbot-secret-change-me"),
        description="Shared with the chatbot platform; the web adapter checks with the same",
    )
    chatbot_max_chars: int = Field(default=2000, ge=200, le=20000)

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
