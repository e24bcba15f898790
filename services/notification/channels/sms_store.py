"""The SMS channel's collections in the notification database.

- `sms_opt_outs`: numbers (E.164) whose owner answered STOP; nothing is sent to them.
- `sms_messages`: one record per notice sent by SMS (keyed by the notice key), written before
  the gateway is called and completed with the provider's id, so that a delivery report
  (which names the provider id or echoes our client reference) finds the request and the
  notification it concerns. The number and the text are not kept here.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from shared.mongo import Document

OPT_OUTS = "sms_opt_outs"
MESSAGES = "sms_messages"


class SmsOptOuts:
    def __init__(self, *, db: AsyncDatabase[Document]) -> None:
        self._db = db

    async def opt_out(self, *, address: str, at: datetime, source: str) -> None:
        await self._db[OPT_OUTS].update_one(
            {"_id": address}, {"$setOnInsert": {"at": at, "source": source}}, upsert=True
        )

    async def opt_in(self, *, address: str) -> None:
        await self._db[OPT_OUTS].delete_one({"_id": address})

    async def opted_out(self, *, address: str) -> bool:
        return await self._db[OPT_OUTS].find_one({"_id": address}, {"_id": 1}) is not None


@dataclass(frozen=True)
class SmsRecord:
    key: str
    request_id: str
    reference: str
    template: str
    provider_id: str | None = None
    state: str = "sending"  # sending, accepted, refused, delivered, failed
    reason: str | None = None
    published: bool = False


class SmsMessages:
    def __init__(self, *, db: AsyncDatabase[Document]) -> None:
        self._db = db
        self._indexed = False

    async def _ensure_index(self) -> None:
        """Reports look records up by the provider's id; created on the first send."""
        if not self._indexed:
            await self._db[MESSAGES].create_index([("provider_id", ASCENDING)])
            self._indexed = True

    async def sending(self, record: SmsRecord, *, at: datetime) -> None:
        await self._ensure_index()
        fields = {
            "request_id": record.request_id,
            "reference": record.reference,
            "template": record.template,
            "state": "sending",
            "published": False,
            "created_at": at,
        }
        await self._db[MESSAGES].update_one(
            {"_id": record.key}, {"$setOnInsert": fields}, upsert=True
        )

    async def accepted(self, *, key: str, provider_id: str, segments: int, at: datetime) -> None:
        fields = {"provider_id": provider_id, "segments": segments, "accepted_at": at}
        await self._db[MESSAGES].update_one({"_id": key}, {"$set": fields})
        # A delivery report may have come first (it echoes the key): it is not undone.
        await self._db[MESSAGES].update_one(
            {"_id": key, "state": "sending"}, {"$set": {"state": "accepted"}}
        )

    async def refused(self, *, key: str, reason: str) -> None:
        """The gateway refused the message for good: no report will come."""
        await self._db[MESSAGES].update_one(
            {"_id": key, "state": "sending"}, {"$set": {"state": "refused", "reason": reason}}
        )

    async def find(self, *, provider_id: str | None, key: str | None) -> SmsRecord | None:
        query: dict[str, Any] = {"_id": key} if key else {"provider_id": provider_id}
        doc = await self._db[MESSAGES].find_one(query) if (key or provider_id) else None
        if doc is None:
            return None
        return SmsRecord(
            key=doc["_id"],
            request_id=doc["request_id"],
            reference=doc["reference"],
            template=doc["template"],
            provider_id=doc.get("provider_id"),
            state=doc["state"],
            reason=doc.get("reason"),
            published=doc.get("published", False),
        )

    async def reported(self, *, key: str, state: str, reason: str | None, at: datetime) -> None:
        """A delivery report: `delivered` or `failed` is final, a later report changes nothing."""
        await self._db[MESSAGES].update_one(
            {"_id": key, "state": {"$nin": ["delivered", "failed"]}},
            {"$set": {"state": state, "reason": reason, "reported_at": at}},
        )

    async def mark_published(self, *, key: str) -> None:
        await self._db[MESSAGES].update_one({"_id": key}, {"$set": {"published": True}})
