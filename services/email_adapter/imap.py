"""Optional polling of an existing mailbox: unseen mail goes through the same pipeline, and is
marked seen only once it is safely handled (published to Kafka, recorded or quarantined)."""

import asyncio
import contextlib
import re

import structlog
from aioimaplib import IMAP4, IMAP4_SSL

from services.email_adapter.pipeline import TEMPORARY, Pipeline
from services.email_adapter.settings import EmailSettings

log = structlog.get_logger(__name__)
UID = re.compile(rb"UID (\d+)")


class ImapError(RuntimeError):
    """The IMAP server refused a command."""


def _ok(response: object, command: str) -> list[bytes]:
    if getattr(response, "result", "") != "OK":
        raise ImapError(f"IMAP {command} refused")
    return list(getattr(response, "lines", []))


async def _connect(settings: EmailSettings) -> IMAP4:
    kind = IMAP4_SSL if settings.imap_ssl else IMAP4
    client = kind(host=settings.imap_host, port=settings.imap_port, timeout=30)
    await client.wait_hello_from_server()
    _ok(await client.login(settings.imap_user, settings.imap_password), "LOGIN")
    _ok(await client.select(settings.imap_folder), "SELECT")
    return client


async def _fetch(client: IMAP4, uid: str) -> bytes | None:
    lines = _ok(await client.uid("fetch", uid, "(BODY.PEEK[])"), "FETCH")
    literal = next((line for line in lines if isinstance(line, bytearray)), None)
    return bytes(literal) if literal is not None else None


async def poll_once(*, settings: EmailSettings, pipeline: Pipeline) -> int:
    """Handle every unseen message once; returns how many were marked seen."""
    client = await _connect(settings)
    handled = 0
    try:
        lines = _ok(await client.uid_search("UNSEEN", charset=None), "SEARCH")
        uids = [uid.decode() for line in lines[:1] for uid in bytes(line).split()]
        for uid in uids:
            raw = await _fetch(client, uid)
            if raw is None:
                continue
            try:
                await pipeline.receive(raw, mail_from=None, rcpt_tos=[])
            except TEMPORARY:
                log.warning("imap.deferred", reason="kafka or store unavailable")
                break
            _ok(await client.uid("store", uid, "+FLAGS", "(\\Seen)"), "STORE")
            handled += 1
    finally:
        with contextlib.suppress(Exception):
            await client.logout()
    return handled


async def poll_forever(*, settings: EmailSettings, pipeline: Pipeline) -> None:
    while True:
        try:
            handled = await poll_once(settings=settings, pipeline=pipeline)
            log.info("imap.polled", handled=handled)
        except (ImapError, OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
            log.warning("imap.poll_failed", error=type(exc).__name__)
        await asyncio.sleep(settings.imap_poll_s)
