"""French texts of the timeline entries citizens and agents read (pure)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from shared.events import Channel
from shared.money import euros

PARIS = ZoneInfo("Europe/Paris")
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
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
APPOINTMENT_CHANGES = {
    "booked": "Rendez-vous pris",
    "moved": "Rendez-vous déplacé",
    "cancelled": "Rendez-vous annulé",
    "no_show": "Absence au rendez-vous",
}

CHANNELS: dict[str, str] = {
    Channel.PORTAL: "sur le portail citoyen",
    Channel.EMAIL: "par courriel",
    Channel.DESK: "à l'accueil de la mairie",
    Channel.PHONE: "par téléphone",
    Channel.POSTAL: "par courrier",
    Channel.CONTACT_FORM: "par le formulaire de contact",
    Channel.FACEBOOK: "par Facebook Messenger",
    Channel.CHATBOT: "par l'assistant en ligne",
    Channel.OPEN311: "par une application Open311",
}
NOTIFICATION_CHANNELS: dict[str, str] = {
    "email": "par courriel",
    "sms": "par SMS",
    "postal": "par courrier",
    "facebook": "par Facebook Messenger",
}
# What the citizen was sent, by notification template; "Message" when the template is new.
TEMPLATES: dict[str, str] = {
    "acknowledgement": "Accusé de réception",
    "acknowledgment": "Accusé de réception",
    "ack": "Accusé de réception",
    "received": "Accusé de réception",
    "receipt": "Accusé de réception",
    "status_changed": "Avis de suivi",
    "status": "Avis de suivi",
    "waiting_citizen": "Demande d'informations complémentaires",
    "resolved": "Avis de traitement",
    "closed": "Avis de clôture",
    "cancelled": "Avis d'annulation",
    "reopened": "Avis de réouverture",
}


def channel_phrase(channel: str) -> str:
    return CHANNELS.get(channel, f"par le canal « {channel} »")


def submitted(channel: str) -> str:
    return f"Demande reçue {channel_phrase(channel)}"


def routed(department: str) -> str:
    return f"Demande transmise au service « {department} »"


def status_changed(status_label: str) -> str:
    return f"Statut de la demande : {status_label}"


def citizen_message(channel: str, *, reopened: bool, resumed: bool) -> str:
    text = f"Nouveau message reçu {channel_phrase(channel)}"
    if reopened:
        return f"{text} : la demande est rouverte"
    if resumed:
        return f"{text} : la demande reprend son traitement"
    return text


def notification_sent(template: str, channel: str) -> str:
    what = TEMPLATES.get(template.lower(), "Message")
    how = NOTIFICATION_CHANNELS.get(channel.lower(), f"par {channel}")
    return f"{what} envoyé {how}"


def notification_failed(channel: str, *, permanent: bool) -> str:
    how = NOTIFICATION_CHANNELS.get(channel.lower(), f"par {channel}")
    kind = "définitif" if permanent else "temporaire"
    return f"Échec {kind} de l'envoi d'un message {how}"


def appointment(change: str, title: str, start: datetime) -> str:
    """E.g. « Rendez-vous pris : Passeport, mardi 2 février 2027 à 09h00 » (Paris time)."""
    local = start.astimezone(PARIS)
    day = "1er" if local.day == 1 else str(local.day)
    when = f"{WEEKDAYS[local.weekday()]} {day} {MONTHS[local.month - 1]} {local.year}"
    what = APPOINTMENT_CHANGES.get(change, "Rendez-vous")
    return f"{what} : {title}, {when} à {local:%Hh%M}"


def long_day(day: date) -> str:
    """`2 janvier 2027` (`1er` for the first of the month)."""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{number} {MONTHS[day.month - 1]} {day.year}"


def invoice_issued(amount_cents: int, due: date) -> str:
    return f"Facture émise : {euros(amount_cents)}, à payer avant le {long_day(due)}"


def invoice_paid(amount_cents: int) -> str:
    return f"Facture payée en ligne : {euros(amount_cents)}"


def document_shared() -> str:
    return "Document partagé par l'usager avec le service"


def document_withdrawn() -> str:
    return "Partage d'un document retiré par l'usager"
