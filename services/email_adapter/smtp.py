"""The SMTP front door (aiosmtpd): only the town's addresses, size limit, 250 after Kafka."""

import asyncio

import structlog
from aiosmtpd.smtp import SMTP, Envelope, Session

from services.email_adapter.outcomes import Fate
from services.email_adapter.pipeline import TEMPORARY, Pipeline
from services.email_adapter.settings import EmailSettings

log = structlog.get_logger(__name__)
LINE_LIMIT = 64 * 1024  # real mail breaks the 998-octet rule; Postfix accepts it too
TEMPORARY_FAILURE = (
    "451 4.3.0 Service momentanement indisponible, reessayez plus tard "
    "(temporary failure, please retry)"
)


class RelaisSMTP(SMTP):
    """aiosmtpd's server with enhanced status codes on its own size refusals."""

    line_length_limit = LINE_LIMIT

    async def push(self, status: str) -> None:  # type: ignore[override]
        if isinstance(status, str) and status.startswith("552 Error"):
            status = (
                f"552 5.3.4 Message trop volumineux : {self.data_size_limit} octets au plus "
                "(message size exceeds fixed maximum message size)"
            )
        await super().push(status)


class MailHandler:
    def __init__(self, *, pipeline: Pipeline, settings: EmailSettings) -> None:
        self._pipeline = pipeline
        self._settings = settings

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        domain = address.rpartition("@")[2].strip().lower()
        if domain not in self._settings.domains:
            accepted = ", ".join(sorted(self._settings.domains))
            return (
                f"550 5.1.1 <{address}>: destinataire refuse, ce serveur ne recoit que le "
                f"courrier pour {accepted} (recipient not accepted: relay denied)"
            )
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        try:
            outcome = await self._pipeline.receive(
                raw, mail_from=envelope.mail_from, rcpt_tos=list(envelope.rcpt_tos)
            )
        except TEMPORARY as exc:
            log.warning("smtp.temporary_failure", error=type(exc).__name__)
            return TEMPORARY_FAILURE
        if outcome.fate == Fate.QUARANTINED:
            return "250 2.0.0 Message recu, mis de cote pour examen (accepted, held for review)"
        return "250 2.0.0 Message recu (accepted)"

    async def handle_exception(self, error: Exception) -> str:
        log.error("smtp.session_error", error=type(error).__name__)
        return TEMPORARY_FAILURE


async def start_smtp(*, handler: MailHandler, settings: EmailSettings) -> asyncio.Server:
    """Listen on the configured host and port, on the running loop (port 0: any free port)."""
    loop = asyncio.get_running_loop()
    return await loop.create_server(
        lambda: RelaisSMTP(
            handler,
            data_size_limit=settings.max_message_bytes,
            enable_SMTPUTF8=True,
            hostname=settings.mail_domain.split(",")[0].strip(),
            ident="Relais",
            loop=loop,
        ),
        host=settings.smtp_listen_host,
        port=settings.smtp_listen_port,
    )
