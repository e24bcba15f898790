"""The emails the citizen receives: French text and HTML from Jinja2 templates, and headers."""

from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from services.notification.french import STATUS_LABELS, STATUS_SENTENCES, long_date
from services.notification.settings import NotificationSettings
from shared.events import (
    AgentReplied,
    CitizenAsked,
    RequestMerged,
    RequestRouted,
    RequestStatusChanged,
)

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class Mail:
    template: str
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str | None = None


def _render(template: str, subject: str, **context: Any) -> Mail:
    context["subject"] = subject
    return Mail(
        template=template,
        subject=subject,
        text=TEMPLATES.get_template(f"{template}.txt").render(**context),
        html=TEMPLATES.get_template(f"{template}.html").render(**context),
    )


def tracking_code(
    settings: NotificationSettings, request_id: str, *, token_hash: str | None = None
) -> str | None:
    """The request's tracking code, recomputed (never stored): under the current key, or, given
    the hash the request was filed with, under whichever of our keys made it (None: a random
    code of before derived codes, which only the citizen knows)."""
    keys = settings.tracking_keys()
    return keys.code(request_id) if token_hash is None else keys.code_for(request_id, token_hash)


def status_link(
    settings: NotificationSettings,
    reference: str,
    request_id: str,
    *,
    token_hash: str | None = None,
) -> str:
    """The citizens' site status page of the request, with its code so it opens directly."""
    code = tracking_code(settings, request_id, token_hash=token_hash)
    return settings.status_url(reference, code)


def _common(
    settings: NotificationSettings, recipient: Recipient, reference: str, request_id: str
) -> dict[str, Any]:
    status_url = status_link(settings, reference, request_id)
    return {
        "greeting": f"Bonjour {recipient.name}," if recipient.name else "Bonjour,",
        "reference": reference,
        "status_url": status_url,
        "direct_link": status_url != settings.status_url(reference),  # it carries the code
        "signature": f"La mairie de {settings.town_name}",
    }


def acknowledgement(
    routed: RequestRouted, *, recipient: Recipient, settings: NotificationSettings
) -> Mail:
    due = routed.due_at.astimezone(ZoneInfo(settings.timezone)).date()
    return _render(
        "acknowledgement",
        f"[{settings.town_name}] Demande {routed.reference} : accusé de réception",
        department=routed.department.label,
        due_date=long_date(due),
        tracking_code=tracking_code(settings, routed.request_id),
        **_common(settings, recipient, routed.reference, routed.request_id),
    )


def status_update(
    changed: RequestStatusChanged, *, recipient: Recipient, settings: NotificationSettings
) -> Mail:
    label = STATUS_LABELS[changed.status]
    return _render(
        "status_changed",
        f"[{settings.town_name}] Demande {changed.reference} : {label}",
        status_label=label,
        status_sentence=STATUS_SENTENCES[changed.status],
        comment=(changed.comment or "").strip(),
        **_common(settings, recipient, changed.reference, changed.request_id),
    )


def agent_reply(
    replied: AgentReplied, *, recipient: Recipient, settings: NotificationSettings
) -> Mail:
    return _render(
        "agent_reply",
        f"[{settings.town_name}] Demande {replied.reference} : réponse du service",
        text=replied.text.strip(),
        **_common(settings, recipient, replied.reference, replied.request_id),
    )


def citizen_asked(
    asked: CitizenAsked, *, recipient: Recipient, settings: NotificationSettings
) -> Mail:
    return _render(
        "citizen_asked",
        f"[{settings.town_name}] Demande {asked.reference} : complément demandé",
        text=asked.text.strip(),
        **_common(settings, recipient, asked.reference, asked.request_id),
    )


def request_merged(
    merged: RequestMerged, *, recipient: Recipient, settings: NotificationSettings
) -> Mail:
    return _render(
        "request_merged",
        f"[{settings.town_name}] Demande {merged.reference} : regroupée avec "
        f"la demande {merged.kept_reference}",
        kept_reference=merged.kept_reference,
        **_common(settings, recipient, merged.reference, merged.request_id),
    )


def message_id(*, notification_id: str, domain: str) -> str:
    return f"<notif-{notification_id}@{domain}>"


def compose(
    mail: Mail,
    *,
    recipient: Recipient,
    reference: str,
    notification_id: str,
    settings: NotificationSettings,
    now: datetime,
    in_reply_to: str | None = None,
) -> EmailMessage:
    """The MIME message (text with an HTML alternative) and its headers."""
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = Address(display_name=recipient.name or "", addr_spec=recipient.email)
    message["Reply-To"] = settings.reply_to
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id(notification_id=notification_id, domain=settings.mail_domain)
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    message["X-Loop"] = f"relais@{settings.mail_domain}"
    message["X-Relais-Reference"] = reference
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    message["Content-Language"] = "fr"  # after the body: set_content drops Content-* headers
    return message
