"""One received message, from raw bytes to its fate: kept, classified, threaded, published."""

import asyncio
import hashlib
from dataclasses import dataclass
from email.message import EmailMessage

import structlog
from prometheus_client import Counter
from pymongo.errors import PyMongoError

from services.email_adapter import drafts
from services.email_adapter.bounce_matching import bounced_notification, failure_event
from services.email_adapter.bounces import read_bounce
from services.email_adapter.classify import Kind, classify
from services.email_adapter.files import keep_files, refused_note
from services.email_adapter.headers import first_address, header, message_ids
from services.email_adapter.inbox import Inbox
from services.email_adapter.notifications import SentNotifications
from services.email_adapter.outcomes import Fate, Outcome
from services.email_adapter.parsing import MalformedEmail, parse_message, read_message
from services.email_adapter.quarantine import Quarantine
from services.email_adapter.raw_store import RawStore
from services.email_adapter.settings import SOURCE
from services.email_adapter.threads import request_continued
from shared.blobs import BlobStore
from shared.directory import RequestDirectory
from shared.envelope import Envelope
from shared.errors import BrokerUnavailable
from shared.events import Channel
from shared.intake import Intake

log = structlog.get_logger(__name__)
MESSAGES = Counter("relais_email_messages_total", "Mail received, by fate", ["fate"])
TEMPORARY = (BrokerUnavailable, PyMongoError)


@dataclass(frozen=True)
class Delivery:
    key: str  # de-duplication key: Message-ID and sender, or the bytes' digest
    message_id: str  # the Message-ID (or the digest when there is none)


def delivery_of(message: EmailMessage, raw: bytes) -> Delivery:
    ids = message_ids(header(message, "Message-ID"))
    if not ids:
        digest = "sha256:" + hashlib.sha256(raw).hexdigest()
        return Delivery(digest, digest)
    sender = first_address(message, "From")[1].lower()
    scoped = hashlib.sha256(f"{ids[0]}\n{sender}".encode()).hexdigest()
    return Delivery(f"mid:{scoped}", ids[0][:500])


@dataclass
class Pipeline:
    domains: frozenset[str]
    intake: Intake
    directory: RequestDirectory
    sent: SentNotifications
    blobs: BlobStore
    raw_store: RawStore
    inbox: Inbox
    quarantine: Quarantine

    async def receive(self, raw: bytes, *, mail_from: str | None, rcpt_tos: list[str]) -> Outcome:
        """Process, or quarantine; raises only when nothing could be stored (answer "later")."""
        try:
            return await self.process(raw, mail_from=mail_from)
        except TEMPORARY:
            raise
        except Exception as exc:  # anything else: keep the message for an agent, never drop it
            log.warning("email.quarantined", error=type(exc).__name__)
            raw_ref = await self.raw_store.keep(raw)
            item = await self.quarantine.hold(
                raw_ref=raw_ref,
                size=len(raw),
                mail_from=mail_from,
                rcpt_tos=rcpt_tos,
                error=f"{type(exc).__name__}: {exc}",
            )
            MESSAGES.labels(Fate.QUARANTINED.value).inc()
            return Outcome(Fate.QUARANTINED, detail=item)

    async def process(
        self, raw: bytes, *, mail_from: str | None, raw_ref: str | None = None
    ) -> Outcome:
        """raw_ref: where the bytes are already kept (reprocessing from quarantine)."""
        message = await asyncio.to_thread(read_message, raw)  # large mail: keep the loop free
        delivery = delivery_of(message, raw)
        known = await self.inbox.get(delivery.key)
        if known and known.get("fate"):
            return Outcome.from_document(known, duplicate=True)
        if known:
            raw_ref = known["raw_ref"]
        raw_ref = raw_ref or await self.raw_store.keep(raw)
        await self.inbox.received(
            key=delivery.key, message_id=delivery.message_id, raw_ref=raw_ref, size=len(raw)
        )
        verdict = classify(message, mail_from=mail_from, domains=self.domains)
        if verdict.kind == Kind.BOUNCE:
            outcome = await self._bounce(message, delivery)
        elif verdict.kind == Kind.AUTOMATIC:
            outcome = Outcome(Fate.AUTOMATIC, detail=verdict.reason)
        else:
            outcome = await self._human(message, delivery, raw_ref=raw_ref, mail_from=mail_from)
        await self.inbox.settled(key=delivery.key, outcome=outcome, reason=verdict.reason)
        MESSAGES.labels(outcome.fate.value).inc()
        log.info("email.settled", fate=outcome.fate.value, reason=verdict.reason,
                 request_id=outcome.request_id, duplicate=outcome.duplicate)  # fmt: skip
        return outcome

    async def _bounce(self, message: EmailMessage, delivery: Delivery) -> Outcome:
        report = read_bounce(message)
        if report.delayed:
            return Outcome(Fate.BOUNCE_DELAYED, detail=report.reason)
        bounced = await bounced_notification(
            report=report, sent=self.sent, directory=self.directory
        )
        if bounced is None:
            return Outcome(Fate.BOUNCE_UNMATCHED, detail=report.reason)
        envelope = Envelope(data=failure_event(bounced, report), source=SOURCE)
        recorded = await self.intake.record_once(
            key=f"email-bounce:{delivery.key}", envelope=envelope
        )
        return Outcome(
            Fate.BOUNCE,
            detail=report.reason,
            request_id=bounced.request_id,
            reference=bounced.reference,
            duplicate=not recorded,
        )

    async def _human(
        self, message: EmailMessage, delivery: Delivery, *, raw_ref: str, mail_from: str | None
    ) -> Outcome:
        parsed = await asyncio.to_thread(parse_message, message, envelope_sender=mail_from)
        if not parsed.from_address:
            raise MalformedEmail("no sender address in From nor in the SMTP envelope")
        request = await request_continued(directory=self.directory, parsed=parsed)
        attachments, refused = await keep_files(self.blobs, parsed.files)
        mail = drafts.MailContent(
            parsed, delivery.message_id, attachments, refused_note(refused), raw_ref
        )
        if request is not None:
            event = drafts.follow_up(
                request_id=request["_id"], reference=request["reference"], mail=mail
            )
            recorded = await self.intake.record_once(
                key=f"{Channel.EMAIL}:{delivery.key}", envelope=Envelope(data=event, source=SOURCE)
            )
            return Outcome(Fate.FOLLOW_UP, request_id=event.request_id,
                           reference=event.reference, duplicate=not recorded)  # fmt: skip
        draft = drafts.new_request(mail)
        receipt = await self.intake.submit(draft, delivery_id=delivery.key)
        return Outcome(Fate.REQUEST, request_id=receipt.request_id,
                       reference=receipt.reference, duplicate=receipt.duplicate)  # fmt: skip
