"""French labels the console shows (pure)."""

STATUSES: dict[str, str] = {
    "received": "reçue",
    "routed": "transmise au service",
    "in_progress": "en cours de traitement",
    "waiting_citizen": "en attente de l'usager",
    "resolved": "traitée",
    "closed": "clôturée",
    "cancelled": "annulée",
}
CHANNELS: dict[str, str] = {
    "portal": "Portail",
    "email": "Courriel",
    "desk": "Accueil",
    "phone": "Téléphone",
    "postal": "Courrier",
    "contact_form": "Formulaire de contact",
    "facebook": "Facebook",
    "chatbot": "Assistant en ligne",
    "open311": "Open311",
}
ADMIN = "admin"
AGENT = "agent"


def status_label(status: str) -> str:
    return STATUSES.get(status, status)


def channel_label(channel: str | None) -> str:
    return CHANNELS.get(channel or "", channel or "—")


def euros(cents: int) -> str:
    """An amount in cents as French readers write it: 1 234,50 €."""
    whole, rest = divmod(cents, 100)
    return f"{whole:,}".replace(",", "\u202f") + f",{rest:02d}\u00a0€"
