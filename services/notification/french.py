"""French wording the citizen reads: long dates and request statuses (pure)."""

from datetime import date

from shared.events import RequestStatus

DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
STATUS_LABELS = {
    RequestStatus.RECEIVED: "reçue",
    RequestStatus.ROUTED: "transmise au service compétent",
    RequestStatus.IN_PROGRESS: "en cours de traitement",
    RequestStatus.WAITING_CITIZEN: "en attente d'informations de votre part",
    RequestStatus.RESOLVED: "traitée",
    RequestStatus.CLOSED: "clôturée",
    RequestStatus.CANCELLED: "annulée",
}
STATUS_SENTENCES = {
    RequestStatus.RECEIVED: "Votre demande a bien été reçue.",
    RequestStatus.ROUTED: "Votre demande a été transmise au service compétent.",
    RequestStatus.IN_PROGRESS: "Le service en charge a commencé à traiter votre demande.",
    RequestStatus.WAITING_CITIZEN: (
        "Le service en charge a besoin d'informations complémentaires pour avancer : "
        "répondez à ce message pour les lui transmettre."
    ),
    RequestStatus.RESOLVED: "Le service en charge a traité votre demande.",
    RequestStatus.CLOSED: "Votre demande est désormais clôturée.",
    RequestStatus.CANCELLED: "Votre demande a été annulée.",
}


def long_date(day: date) -> str:
    """`vendredi 11 décembre 2026`, `mardi 1er septembre 2026`."""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{DAYS[day.weekday()]} {number} {MONTHS[day.month - 1]} {day.year}"
