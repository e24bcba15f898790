"""What the SMS provider posts (its inbound messages and delivery reports) and our answer."""

import re
import unicodedata
from datetime import UTC, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

STOP_WORDS = frozenset({"stop", "arret", "arreter", "desabonner", "desinscription"})
START_WORDS = frozenset({"start", "unstop"})
DELIVERED = frozenset({"delivered", "delivrd", "received"})
FAILED = frozenset(
    {"failed", "undelivered", "undeliv", "undeliverable", "rejected", "rejectd", "expired"}
)


class InboundSms(BaseModel):
    """A citizen's SMS to our number, as the provider forwards it."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: str = Field(min_length=1, max_length=200, description="Identifiant chez l'opérateur")
    sender: str = Field(alias="from", min_length=3, max_length=40, description="E.164")
    to: str = Field(default="", max_length=40, description="Notre numéro ou code court")
    text: str = Field(max_length=2000)
    received_at: AwareDatetime | None = None

    def at(self) -> datetime:
        return self.received_at or datetime.now(UTC)


class SmsReport(BaseModel):
    """A delivery report: the provider's id, and our client reference when it echoes it."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1, max_length=200, description="Identifiant chez l'opérateur")
    client_reference: str | None = Field(default=None, min_length=1, max_length=200)
    status: str = Field(min_length=1, max_length=40, description="delivered, failed, expired...")
    error: str | None = Field(default=None, max_length=300, description="Code ou motif d'échec")
    reported_at: AwareDatetime | None = None

    def outcome(self) -> Literal["delivered", "failed"] | None:
        """Final outcomes only; interim ones (sent, buffered, pending) change nothing."""
        status = self.status.strip().lower()
        if status in DELIVERED:
            return "delivered"
        return "failed" if status in FAILED else None

    def at(self) -> datetime:
        return self.reported_at or datetime.now(UTC)


class WebhookAnswer(BaseModel):
    status: Literal["opted_out", "opted_in", "ignored", "delivered", "failed"]


def _words(text: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return re.findall(r"[a-z]+", plain)


def wants_stop(text: str) -> Literal["stop", "start"] | None:
    """ "STOP", "stop", "Stop SMS", "ARRÊT", "stop." opt out; "START" opts back in."""
    words = _words(text)
    if not words or len(words) > 3:
        return None
    if words[0] in STOP_WORDS:
        return "stop"
    return "start" if words[0] in START_WORDS else None
