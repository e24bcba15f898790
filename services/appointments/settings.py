"""Appointments service settings, read from the environment."""

from pydantic import Field

from shared.auth import DEV_SECRET
from shared.config import ServiceSettings

SOURCE = "/relais/appointments"
DEV_CODE_SECRET = "relais-dev-booking-code-secret-change-me"


class AppointmentsSettings(ServiceSettings):
    service_name: str = "appointments"
    http_port: int = 8040
    timezone: str = "Europe/Paris"
    agent_jwt_secret: str = Field(default=DEV_SECRET, min_length=16)
    booking_code_secret: str = Field(
        default=DEV_CODE_SECRET,
        min_length=16,
        description="HMAC key deriving each booking's code from its id (dev default)",
    )
    booking_lease_s: float = Field(
        default=60.0,
        gt=0,
        description="A booking still pending after this long was never answered: rolled back",
    )
    sweep_interval_s: float = Field(default=30.0, gt=0)
    reminder_hours: float = Field(
        default=24.0, gt=0, description="Reminder due this long before the appointment"
    )
    max_json_bytes: int = Field(default=64 * 1024, gt=0)
    max_query_days: int = Field(default=92, gt=0, description="Widest free-slot query, in days")
    town_name: str = "Ville-Exemple"
    public_booking_url: str = Field(
        default="http://127.0.0.1:8040/v1/bookings/{code}",
        description="Where a citizen manages a booking; {code} is replaced by its code",
    )

    def manage_url(self, code: str) -> str:
        return self.public_booking_url.replace("{code}", code)
