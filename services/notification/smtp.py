"""Sending through the town's SMTP relay with the standard library, off the event loop.

Failures are sorted for the consumer runner:
- cannot connect, connection lost, 4xx (try later): TransientError, retried without limit;
- 5xx for the recipient or the message: RecipientRefused, a permanent failure to report;
- 5xx for our sender, authentication, STARTTLS missing: MailerMisconfigured, an ordinary
  error (retried a few times, then dead-lettered for a replay once the setup is fixed).
"""

import asyncio
import contextlib
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage

from shared.errors import TransientError


class RecipientRefused(Exception):
    """The server refused this recipient or this message for good (5xx)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"{code} {reason}")
        self.code, self.reason = code, reason


class MailerMisconfigured(RuntimeError):
    """The relay refuses us (sender, credentials, TLS): fix the settings, then replay."""


@dataclass(frozen=True)
class SmtpMailer:
    host: str
    port: int
    timeout_s: float = 10.0
    starttls: bool = False
    user: str = ""
    password: str = field(default="", repr=False)

    async def send(self, message: EmailMessage) -> None:
        await asyncio.to_thread(self._send, message)

    def _send(self, message: EmailMessage) -> None:
        try:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
        except (OSError, smtplib.SMTPException) as exc:
            raise TransientError(
                f"cannot connect to SMTP {self.host}:{self.port}: {exc!r}"
            ) from exc
        try:
            self._deliver(smtp, message)
        finally:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                smtp.quit()
            smtp.close()

    def _deliver(self, smtp: smtplib.SMTP, message: EmailMessage) -> None:
        try:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self.password)
            smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reason = next(iter(exc.recipients.values()))
            raise _classified(code, _text(reason), recipient=True) from exc
        except smtplib.SMTPResponseException as exc:
            recipient = isinstance(exc, smtplib.SMTPDataError)
            raise _classified(exc.smtp_code, _text(exc.smtp_error), recipient=recipient) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise MailerMisconfigured(f"SMTP server lacks a required extension: {exc}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TransientError(f"SMTP delivery interrupted: {exc!r}") from exc


def _text(reason: bytes | str) -> str:
    return reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)


def _classified(code: int, reason: str, *, recipient: bool) -> Exception:
    if code < 500:
        return TransientError(f"SMTP temporary failure {code} {reason}")
    if recipient:
        return RecipientRefused(code, reason)
    return MailerMisconfigured(f"SMTP refused us: {code} {reason}")
