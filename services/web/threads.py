"""Which request a Facebook sender or a chatbot conversation is talking about.

The directory (fed from the log) knows each request's status, but lags behind our own
publications by a moment. So the adapter also records, once Kafka has acknowledged a new
request, which request each sender or conversation opened: a message arriving before the
directory caught up still joins that request instead of opening a second one.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pymongo.asynchronous.database import AsyncDatabase

from shared.directory import FINAL, RequestDirectory
from shared.mongo import Document

THREADS = "threads"


@dataclass(frozen=True)
class Target:
    request_id: str
    reference: str


def still_open(doc: Document, *, now: datetime, within: timedelta) -> bool:
    """Open, or closed less than `within` ago (the same rule as the directory's open_for)."""
    if doc.get("status") not in FINAL:
        return True
    updated_at = doc.get("updated_at")
    return updated_at is None or updated_at >= now - within


class Threads:
    def __init__(self, *, db: AsyncDatabase[Document], directory: RequestDirectory) -> None:
        self._db = db
        self._directory = directory

    async def link(self, *, key: str, target: Target, replace: bool = True) -> None:
        """`key` (e.g. `chatbot:<conversation>`) now leads to this accepted request; with
        `replace=False` (a redelivered message), only if it leads nowhere yet."""
        fields = {
            "request_id": target.request_id,
            "reference": target.reference,
            "linked_at": datetime.now(UTC),
        }
        await self._db[THREADS].update_one(
            {"_id": key}, {"$set" if replace else "$setOnInsert": fields}, upsert=True
        )

    async def target(self, *, key: str, within: timedelta) -> Target | None:
        """The request `key` last opened, if it still takes follow-ups."""
        thread = await self._db[THREADS].find_one({"_id": key})
        if thread is None:
            return None
        doc = await self._directory.by_request_id(thread["request_id"])
        if doc is not None and not still_open(doc, now=datetime.now(UTC), within=within):
            return None
        return Target(thread["request_id"], thread["reference"])

    async def facebook_target(self, *, psid: str, within: timedelta) -> Target | None:
        """The sender's open request: from the directory, else the one just accepted."""
        doc = await self._directory.open_for(field="facebook_psid", value=psid, within=within)
        if doc is not None:
            return Target(doc["_id"], doc["reference"])
        return await self.target(key=f"facebook:{psid}", within=within)
