"""The citizen's choices per contact point (not per request): consent, opt-out, dead ends.

A contact point is known here only by a hash of its normalised channel and address: the
collection holds no address in clear. Each message carries a signed opt-out token naming that
hash; `opt_out(channel, address)` serves channels that receive "STOP" themselves (SMS).
A channel that failed for good (bounce, invalid number, blocked page) is remembered so it is
not tried again for that contact point.
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from itsdangerous import BadSignature, URLSafeSerializer
from pymongo.asynchronous.database import AsyncDatabase

from shared.mongo import Document

PREFERENCES = "preferences"
OPTED_OUT_REASON = "l'usager a demandé à ne plus être contacté"


def normalised(channel: str, address: str) -> str:
    address = address.strip()
    if channel == "email":
        return address.lower()
    if channel == "sms":
        return re.sub(r"[\s.()-]", "", address)
    return address


def point_id(channel: str, address: str) -> str:
    return hashlib.sha256(f"{channel}:{normalised(channel, address)}".encode()).hexdigest()


@dataclass(frozen=True)
class Preference:
    opted_out: bool = False
    failed_reason: str | None = None


class OptOutTokens:
    """Signed, non-expiring tokens naming one contact point (HMAC, itsdangerous)."""

    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeSerializer(secret, salt="relais-opt-out")

    def issue(self, point: str) -> str:
        return self._serializer.dumps(point)

    def read(self, token: str) -> str | None:
        try:
            point = self._serializer.loads(token)
        except BadSignature:
            return None
        return point if isinstance(point, str) and re.fullmatch(r"[0-9a-f]{64}", point) else None


class Preferences:
    def __init__(self, *, db: AsyncDatabase[Document]) -> None:
        self._db = db

    async def of(self, point: str) -> Preference:
        doc = await self._db[PREFERENCES].find_one({"_id": point})
        if doc is None:
            return Preference()
        return Preference(
            opted_out=doc.get("opted_out_at") is not None, failed_reason=doc.get("failed_reason")
        )

    async def consent(self, channel: str, address: str, *, source: str) -> None:
        await self._set(point_id(channel, address), channel, consent_source=source)

    async def opt_out(self, channel: str, address: str) -> None:
        """The citizen wants nothing more on this contact point (e.g. SMS "STOP")."""
        await self.opt_out_point(point_id(channel, address), channel=channel)

    async def opt_out_point(self, point: str, *, channel: str | None = None) -> None:
        await self._set(point, channel, opted_out_at=datetime.now(UTC))

    async def resume(self, point: str) -> None:
        await self._set(point, None, opted_out_at=None, consent_source="preferences_page")

    async def opt_in(self, channel: str, address: str, *, source: str) -> None:
        """The citizen wants messages again there (e.g. SMS "START"): a failure is forgotten."""
        await self._set(
            point_id(channel, address),
            channel,
            opted_out_at=None,
            failed_reason=None,
            consent_source=source,
        )

    async def failed(self, channel: str, address: str, *, reason: str) -> None:
        await self._set(point_id(channel, address), channel, failed_reason=reason)

    async def _set(self, point: str, channel: str | None, **fields: object) -> None:
        now = datetime.now(UTC)
        changes: dict[str, object] = {**fields, "updated_at": now}
        if channel:
            changes["channel"] = channel
        await self._db[PREFERENCES].update_one({"_id": point}, {"$set": changes}, upsert=True)
