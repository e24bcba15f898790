"""Postal letters: a PDF in the town's layout, queued in the mail room for agents to post.

Nothing leaves the service: the channel is its own development sink. The subject ("Objet")
and the body come from templates/postal/<template>.subject and .txt (Jinja2, French); given
the notifier's template environment, the town's own templates come first.
"""

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    UndefinedError,
)
from pymongo.asynchronous.database import AsyncDatabase

from services.notification import mailroom
from services.notification.channels.base import ContactPoint, Notice, PermanentError, Sent
from services.notification.french import MONTHS
from services.notification.letter import Letter, Letterhead, render
from services.notification.settings import NotificationSettings
from shared.mongo import Document

TEMPLATES_DIR = Path(__file__).parent.parent / "templates"
PACKAGED = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    undefined=StrictUndefined,
    trim_blocks=True,
    autoescape=False,
)
NO_ADDRESS = "Adresse postale absente : le courrier ne peut pas être préparé."
LONG_ADDRESS = "Adresse postale trop longue : six lignes au plus, nom compris (norme La Poste)."
CLOSING = (
    "Nous vous prions d'agréer, Madame, Monsieur, l'expression de nos salutations distinguées."
)
QUEUED_DETAIL = "Courrier en attente d'envoi par le service courrier"


def french_date(day: datetime) -> str:
    """`2 décembre 2026`, `1er mars 2027`."""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{number} {MONTHS[day.month - 1]} {day.year}"


def tracking_help(*, reference: str, code: str | None) -> str:
    if code:
        return (
            f"Votre code de suivi : {code}\n"
            f"Sur la page de suivi (adresse ci-dessus ou code QR ci-contre), saisissez la "
            f"référence {reference} et ce code. Ce code est personnel : conservez ce courrier "
            "et ne le communiquez pas."
        )
    return (
        f"Sur la page de suivi (adresse ci-dessus ou code QR ci-contre), saisissez la "
        f"référence {reference} et le code de suivi qui vous a été remis lors du dépôt "
        "de votre demande."
    )


def letterhead(settings: NotificationSettings) -> Letterhead:
    return Letterhead(
        town_name=settings.town_name,
        address=tuple(settings.town_address),
        contact=settings.letter_contact,
        signature=settings.letter_signature,
        logo=settings.letter_logo_path,
        font_dir=settings.letter_font_dir,
    )


def compose(
    notice: Notice,
    to: ContactPoint,
    *,
    settings: NotificationSettings,
    templates: Environment = PACKAGED,
) -> Letter:
    """The letter's text, from the notice (pure)."""
    lines = [line.strip() for line in to.address.splitlines() if line.strip()]
    if not lines:
        raise PermanentError(NO_ADDRESS)
    recipient = ([to.name.strip()] if to.name and to.name.strip() else []) + lines
    if len(recipient) > 6:
        raise PermanentError(LONG_ADDRESS)
    context: dict[str, Any] = {
        "greeting": "Madame, Monsieur,",
        "status_url": settings.status_url(notice.reference),
        "town_name": settings.town_name,
        **notice.context,
        "reference": notice.reference,
    }
    try:
        subject = templates.get_template(f"postal/{notice.template}.subject").render(**context)
        body = templates.get_template(f"postal/{notice.template}.txt").render(**context)
    except TemplateNotFound as exc:
        raise PermanentError(f"Aucun modèle de courrier « {notice.template} ».") from exc
    except UndefinedError as exc:  # retrying would fail the same way
        raise PermanentError(f"Modèle de courrier « {notice.template} » incomplet : {exc}") from exc
    local = notice.created_at.astimezone(ZoneInfo(settings.timezone))
    return Letter(
        recipient=tuple(recipient),
        place_date=f"{settings.town_name}, le {french_date(local)}",
        subject=" ".join(subject.split()),
        reference=notice.reference,
        body=body,
        status_url=str(context["status_url"]),
        tracking=tracking_help(reference=notice.reference, code=context.get("tracking_code")),
        closing=CLOSING,
        opt_out=context.get("opt_out_url"),
        created_at=notice.created_at,
    )


class PostalChannel:
    name: ClassVar[str] = "postal"

    def __init__(
        self,
        *,
        db: AsyncDatabase[Document],
        settings: NotificationSettings,
        templates: Environment = PACKAGED,
    ) -> None:
        self._db = db
        self._settings = settings
        self._templates = templates
        self._head = letterhead(settings)

    async def send(self, notice: Notice, to: ContactPoint) -> Sent:
        kept = await mailroom.by_key(self._db, key=notice.key)
        if kept is not None:
            return Sent(provider_id=str(kept["_id"]), detail=QUEUED_DETAIL)
        letter = compose(notice, to, settings=self._settings, templates=self._templates)
        printed = await asyncio.to_thread(render, letter, head=self._head)
        stored = await mailroom.queue(
            self._db,
            letter={
                "_id": mailroom.letter_id(key=notice.key, created_at=notice.created_at),
                "key": notice.key,
                "request_id": notice.request_id,
                "reference": notice.reference,
                "template": notice.template,
                "subject": letter.subject,
                "recipient": letter.recipient[0],
                "pages": printed.pages,
                "size": len(printed.pdf),
                "created_at": notice.created_at,
            },
            pdf=printed.pdf,
        )
        return Sent(provider_id=stored, detail=QUEUED_DETAIL)
