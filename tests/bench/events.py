"""Synthetic request events for the benchmarks: realistic sizes, no real person."""

import hashlib
from datetime import UTC, datetime

from shared.envelope import Envelope
from shared.events import Channel, Citizen, RequestSubmitted

DESCRIPTION = (
    "Bonjour, je vous signale un nid-de-poule dangereux devant le 12 rue des Lilas, "
    "à hauteur de l'arrêt de bus. Plusieurs cyclistes ont failli tomber cette semaine. "
    "Pourriez-vous intervenir rapidement ? Merci d'avance, cordialement."
)


def submitted(request_id: str, i: int) -> Envelope:
    event = RequestSubmitted(
        request_id=request_id,
        reference=f"2026-B{i:06d}",
        channel=Channel.PORTAL,
        category="voirie",
        subject="Nid-de-poule rue des Lilas",
        description=DESCRIPTION,
        citizen=Citizen(name=f"Usager {i}", email=f"usager{i}@example.org"),
        tracking_token_hash=hashlib.sha256(request_id.encode()).hexdigest(),
        submitted_at=datetime.now(UTC),
    )
    return Envelope(data=event, source="/bench")
