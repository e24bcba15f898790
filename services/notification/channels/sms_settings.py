"""SMS settings, mixed into the notification settings (environment variables `SMS_*`)."""

from datetime import time
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings

from services.notification.channels.quiet_hours import QuietHours

DEV_SMS_WEBHOOK_SECRET = "relais-dev-sms-webhook-secret-change-me"


class SmsSettings(BaseSettings):
    sms_gateway: Literal["sink", "http"] = Field(
        default="sink", description="sink: store what would be sent (development); http: send"
    )
    sms_gateway_url: str = Field(default="", description="The provider's send endpoint (POST)")
    sms_api_key: SecretStr = SecretStr("")
    sms_auth: Literal["bearer", "api-key"] = Field(
        default="bearer", description="Authorization: Bearer <key>, or X-Api-Key: <key>"
    )
    sms_sender: str = Field(
        default="VILLE-EX",
        pattern=r"^(?:[A-Za-z0-9 .-]{1,11}|\+?[0-9]{3,15})$",
        description="Alphanumeric sender (11 characters at most) or a number",
    )
    sms_callback_url: str = Field(
        default="http://127.0.0.1:8030/v1/sms/reports",
        description="Where the provider posts delivery reports (this service's public URL)",
    )
    sms_timeout_s: float = Field(default=10.0, gt=0)
    sms_max_segments: int = Field(default=2, ge=1, le=10)
    sms_stop_number: str = Field(
        default="",
        pattern=r"^[0-9 +]{0,20}$",
        description="Number citizens reply STOP to; when set, every SMS ends 'STOP au <number>'",
    )
    sms_quiet_start: time = time(20, 0)
    sms_quiet_end: time = time(8, 0)
    sms_quiet_weekdays: list[int] = Field(
        default=[7], description="ISO weekdays without SMS (7 = Sunday)"
    )
    sms_quiet_holidays: bool = Field(default=True, description="No SMS on public holidays")
    sms_webhook_secret: SecretStr = Field(
        default=SecretStr(DEV_SMS_WEBHOOK_SECRET),
        min_length=16,
        description="HMAC key of the provider's inbound messages and delivery reports",
    )

    @model_validator(mode="after")
    def _gateway_url_when_sending(self) -> "SmsSettings":
        if self.sms_gateway == "http" and not self.sms_gateway_url:
            raise ValueError("SMS_GATEWAY=http needs SMS_GATEWAY_URL")
        if any(not 1 <= day <= 7 for day in self.sms_quiet_weekdays):
            raise ValueError("SMS_QUIET_WEEKDAYS holds ISO weekdays, 1 (Monday) to 7 (Sunday)")
        return self

    def sms_quiet_hours(self, timezone: str) -> QuietHours:
        return QuietHours(
            start=self.sms_quiet_start,
            end=self.sms_quiet_end,
            timezone=timezone,
            weekdays=frozenset(self.sms_quiet_weekdays),
            public_holidays=self.sms_quiet_holidays,
        )
