"""The SMTP handler that stores each message, and the server that runs it until told to stop."""

import asyncio
import os
import signal
import uuid
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.smtp import SMTP, Envelope, Session


class MaildirHandler:
    """Writes each message to <mail_dir>/<UTC timestamp>-<uuid>.eml, atomically."""

    def __init__(self, mail_dir: Path) -> None:
        self.mail_dir = mail_dir

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        # Like a delivery agent's Return-Path, keep the SMTP envelope: Bcc lives only there.
        trace = (
            f"X-Envelope-From: {envelope.mail_from}\r\n"
            f"X-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n"
        ).encode()
        self.store(trace + (envelope.original_content or b""))
        return "250 Message accepted for delivery"

    def store(self, message: bytes) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        final = self.mail_dir / f"{stamp}-{uuid.uuid4().hex}.eml"
        partial = self.mail_dir / f".{final.name}.partial"
        partial.write_bytes(message)
        partial.replace(final)  # readers never see a half-written message
        return final


async def serve(*, host: str, port: int, mail_dir: Path) -> None:
    """Accept mail on host:port until SIGTERM or SIGINT."""
    handler = MaildirHandler(mail_dir)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="mailsink.relais.local"), host=host, port=port
    )
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"mailsink: smtp://{host}:{port} -> {mail_dir}", flush=True)
    await stop.wait()
    server.close()
    await server.wait_closed()


def main() -> None:
    port = int(os.environ.get("SMTP_SINK_PORT", "1025"))
    mail_dir = Path(os.environ.get("MAIL_DIR", "var/mail")).resolve()
    mail_dir.mkdir(parents=True, exist_ok=True)
    asyncio.run(serve(host="127.0.0.1", port=port, mail_dir=mail_dir))
