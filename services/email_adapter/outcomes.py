"""What became of a received message."""

from dataclasses import dataclass
from enum import StrEnum


class Fate(StrEnum):
    REQUEST = "request"
    FOLLOW_UP = "follow_up"
    AUTOMATIC = "automatic"
    BOUNCE = "bounce"
    BOUNCE_UNMATCHED = "bounce_unmatched"
    BOUNCE_DELAYED = "bounce_delayed"
    QUARANTINED = "quarantined"


@dataclass(frozen=True)
class Outcome:
    fate: Fate
    detail: str = ""
    request_id: str | None = None
    reference: str | None = None
    duplicate: bool = False

    def as_document(self) -> dict[str, str | bool | None]:
        return {
            "fate": self.fate.value,
            "detail": self.detail,
            "request_id": self.request_id,
            "reference": self.reference,
        }

    @classmethod
    def from_document(cls, doc: dict[str, object], *, duplicate: bool) -> "Outcome":
        return cls(
            fate=Fate(str(doc["fate"])),
            detail=str(doc.get("detail") or ""),
            request_id=str(doc["request_id"]) if doc.get("request_id") else None,
            reference=str(doc["reference"]) if doc.get("reference") else None,
            duplicate=duplicate,
        )
