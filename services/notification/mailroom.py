"""The letters waiting for the mail room, in notification's own database.

A letter's id starts with its creation time, so ids sort by age and serve as the page cursor;
its notice key is unique, so a notice retried after its letter was stored stores nothing more.
"""

import uuid
from datetime import datetime
from typing import Any, Literal

from bson import Binary
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared.auth import Agent
from shared.mongo import Document

LETTERS = "letters"
QUEUED = "queued"
POSTED = "posted"
State = Literal["queued", "posted"]
NAMESPACE = uuid.UUID("5d0c2a49-3f55-4b8e-9d0e-6f1f3a7c2b18")
WITHOUT_PDF = {"pdf": 0}


def letter_id(*, key: str, created_at: datetime) -> str:
    return f"L{created_at:%Y%m%d%H%M%S}-{uuid.uuid5(NAMESPACE, key).hex[:16]}"


async def ensure_indexes(db: AsyncDatabase[Document], *, kept_after_posting_s: int) -> None:
    """A posted letter (and the tracking code it prints) is deleted once its time is up."""
    await db[LETTERS].create_index("key", unique=True, name="by_key")
    await db[LETTERS].create_index([("state", ASCENDING), ("_id", ASCENDING)], name="by_state")
    await db[LETTERS].create_index(
        "posted_at", expireAfterSeconds=kept_after_posting_s, name="posted_expiry"
    )


async def by_key(db: AsyncDatabase[Document], *, key: str) -> Document | None:
    return await db[LETTERS].find_one({"key": key}, WITHOUT_PDF)


async def queue(db: AsyncDatabase[Document], *, letter: Document, pdf: bytes) -> str:
    """Store a queued letter once per notice key; the id of the letter kept."""
    try:
        await db[LETTERS].insert_one({**letter, "state": QUEUED, "pdf": Binary(pdf)})
    except DuplicateKeyError:
        kept = await by_key(db, key=letter["key"])
        if kept is None:  # same id, other key: cannot happen with uuid5 of the key
            raise
        return str(kept["_id"])
    return str(letter["_id"])


async def page(
    db: AsyncDatabase[Document], *, state: State, after: str | None, limit: int
) -> list[Document]:
    """The oldest letters in `state` after the cursor (a letter id)."""
    query: dict[str, Any] = {"state": state}
    if after:
        query["_id"] = {"$gt": after}
    cursor = db[LETTERS].find(query, WITHOUT_PDF).sort("_id", ASCENDING).limit(limit)
    return await cursor.to_list()


async def get(db: AsyncDatabase[Document], *, letter_id: str) -> Document | None:
    return await db[LETTERS].find_one({"_id": letter_id})


async def pdfs(db: AsyncDatabase[Document], *, state: State, limit: int) -> list[bytes]:
    cursor = db[LETTERS].find({"state": state}, {"pdf": 1}).sort("_id", ASCENDING).limit(limit)
    return [bytes(doc["pdf"]) for doc in await cursor.to_list()]


async def mark_posted(
    db: AsyncDatabase[Document], *, letter_id: str, agent: Agent, at: datetime
) -> Document | None:
    """Posted once: a second marking keeps the first agent and time."""
    posted_by = {"agent_id": agent.agent_id, "name": agent.name}
    await db[LETTERS].update_one(
        {"_id": letter_id, "state": QUEUED},
        {"$set": {"state": POSTED, "posted_at": at, "posted_by": posted_by}},
    )
    return await db[LETTERS].find_one({"_id": letter_id}, WITHOUT_PDF)
