"""Sending the magic link: SMTP (the dev sink in development), behind a one-method interface."""

import asyncio
import smtplib
from email.message import EmailMessage
from typing import Protocol

SUBJECT = "Votre lien d'accès à votre espace documents"
BODY = """Bonjour,

Pour ouvrir votre espace documents de la mairie, suivez ce lien (valable {minutes} minutes,
utilisable une seule fois) :

{link}

Si vous n'avez rien demandé, ignorez ce message.
"""


class LinkSender(Protocol):
    async def send(self, *, to: str, link: str, minutes: int) -> None: ...


class SmtpLinkSender:
    def __init__(self, *, host: str, port: int, sender: str, timeout_s: float = 10) -> None:
        self._host, self._port, self._sender, self._timeout = host, port, sender, timeout_s

    def _send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
            smtp.send_message(message)

    async def send(self, *, to: str, link: str, minutes: int) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self._sender, to, SUBJECT
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(BODY.format(link=link, minutes=minutes))
        await asyncio.to_thread(self._send, message)
