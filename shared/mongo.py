"""MongoDB access through PyMongo's async API; each service owns one database."""

from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError, PyMongoError

Document = dict[str, Any]


def connect(*, uri: str, timeout_ms: int = 3000) -> AsyncMongoClient[Document]:
    return AsyncMongoClient(
        uri,
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
        tz_aware=True,
        uuidRepresentation="standard",
    )


async def ping(db: AsyncDatabase[Document]) -> bool:
    try:
        await db.command("ping")
    except PyMongoError:
        return False
    return True


async def insert_once(db: AsyncDatabase[Document], collection: str, doc: Document) -> bool:
    """Insert unless a document with the same _id exists; True when inserted."""
    try:
        await db[collection].insert_one(doc)
    except DuplicateKeyError:
        return False
    return True
