"""SMS: one notice to one mobile number, through the provider's gateway (or the dev sink).

In order: the number must be a valid mobile (else a permanent failure), its owner must not
have answered STOP (permanent), it must not be quiet hours (transient, retried at the first
allowed minute); then the text is fitted into `SMS_MAX_SEGMENTS`, recorded (for delivery
reports) and submitted with the notice key as idempotency key.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import ClassVar

import structlog
from prometheus_client import Counter

from services.notification.channels.base import (
    ContactPoint,
    Notice,
    PermanentError,
    Sent,
    TransientError,
)
from services.notification.channels.quiet_hours import QuietHours
from services.notification.channels.sms_gateway import SmsGateway, SmsMessage
from services.notification.channels.sms_store import SmsMessages, SmsOptOuts, SmsRecord
from services.notification.channels.sms_text import SmsText, fit
from shared.phones import can_receive_sms, to_e164

log = structlog.get_logger(__name__)
SMS_SEGMENTS = Counter(
    "relais_sms_segments_total", "SMS segments submitted", ["template", "encoding"]
)
SMS_OUTCOMES = Counter("relais_sms_total", "SMS by outcome", ["outcome"])
OPTED_OUT = "l'usager a répondu STOP : il ne reçoit plus de SMS."


class SmsChannel:
    name: ClassVar[str] = "sms"

    def __init__(
        self,
        *,
        gateway: SmsGateway,
        opt_outs: SmsOptOuts,
        messages: SmsMessages,
        quiet_hours: QuietHours,
        sender: str,
        callback_url: str,
        town_name: str,
        status_url: Callable[[str], str],
        max_segments: int = 2,
        stop_number: str = "",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._gateway = gateway
        self._opt_outs = opt_outs
        self._messages = messages
        self._quiet = quiet_hours
        self._sender = sender
        self._callback_url = callback_url
        self._town_name = town_name
        self._status_url = status_url
        self._max_segments = max_segments
        self._stop_number = stop_number
        self._clock = clock

    async def send(self, notice: Notice, to: ContactPoint) -> Sent:
        now = self._clock()
        recipient = await self._reachable(to.address, now=now)
        text = self.text(notice)
        message = SmsMessage(
            key=notice.key,
            recipient=recipient,
            sender=self._sender,
            text=text.text,
            encoding=text.segments.encoding,
            segments=text.segments.count,
            callback_url=self._callback_url,
        )
        record = SmsRecord(
            key=notice.key,
            request_id=notice.request_id,
            reference=notice.reference,
            template=notice.template,
        )
        await self._messages.sending(record, at=now)
        try:
            provider_id = await self._submit(message)
        except PermanentError as exc:
            await self._messages.refused(key=notice.key, reason=exc.reason)
            raise
        await self._messages.accepted(
            key=notice.key, provider_id=provider_id, segments=text.segments.count, at=now
        )
        SMS_SEGMENTS.labels(notice.template, text.segments.encoding).inc(text.segments.count)
        log.info(
            "sms.sent",
            notice_key=notice.key,
            reference=notice.reference,
            segments=text.segments.count,
            encoding=text.segments.encoding,
        )
        return Sent(provider_id=provider_id, detail=text.segments.describe())

    async def _reachable(self, address: str, *, now: datetime) -> str:
        """The number in E.164 if an SMS may go to it now; the error saying why not otherwise."""
        recipient = _mobile(address)
        if await self._opt_outs.opted_out(address=recipient):
            SMS_OUTCOMES.labels("opted_out").inc()
            raise PermanentError(OPTED_OUT)
        if retry_at := self._quiet.next_allowed(now):
            SMS_OUTCOMES.labels("deferred").inc()
            raise TransientError("quiet hours: no SMS now", retry_at=retry_at)
        return recipient

    def text(self, notice: Notice) -> SmsText:
        """The notice's French text within the segment cap (the shortest draft beyond it)."""
        context = {
            "town_name": self._town_name,
            **notice.context,
            "reference": notice.reference,
            "status_url": notice.context.get("status_url") or self._status_url(notice.reference),
        }
        text = fit(
            notice.template,
            context,
            max_segments=self._max_segments,
            stop_number=self._stop_number,
        )
        if not text.within_cap:
            log.warning("sms.over_cap", notice_key=notice.key, segments=text.segments.count)
        return text

    async def _submit(self, message: SmsMessage) -> str:
        try:
            provider_id = await self._gateway.submit(message)
        except PermanentError:
            SMS_OUTCOMES.labels("refused").inc()
            raise
        except TransientError:
            SMS_OUTCOMES.labels("retry").inc()
            raise
        SMS_OUTCOMES.labels("sent").inc()
        return provider_id


def _mobile(address: str) -> str:
    """The number in E.164, or a permanent failure when no SMS can reach it."""
    try:
        e164 = to_e164(address)
    except ValueError as exc:
        raise PermanentError(
            "numéro de téléphone invalide : aucun SMS ne peut être envoyé."
        ) from exc
    if not can_receive_sms(e164):
        raise PermanentError("ce numéro n'est pas un mobile : il ne peut pas recevoir de SMS.")
    return e164
