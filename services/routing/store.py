"""Routing's own database: decisions history, rule sets, model versions, activations."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from shared.mongo import Document

Kind = Literal["rules", "model"]
COLLECTION: dict[Kind, str] = {"rules": "rulesets", "model": "models"}
DUPLICATE_KEY = 11000


@dataclass(frozen=True)
class Activation:
    kind: Kind
    version: int
    previous: int | None
    actor: str
    reason: str
    at: datetime
    rollback: bool


@dataclass
class Store:
    db: AsyncDatabase[Document]

    async def ensure_indexes(self) -> None:
        await self.db.decisions.create_index([("decided_at", DESCENDING)])
        await self.db.decisions.create_index([("label.at", ASCENDING)], sparse=True)
        await self.db.activations.create_index([("kind", ASCENDING), ("at", DESCENDING)])
        await self.db.activations.create_index(
            [
                ("kind", ASCENDING),
                ("version", ASCENDING),
                ("rollback", ASCENDING),
                ("at", DESCENDING),
            ]
        )

    # --- versions (rule sets and models share the shape: _id is the version number)

    async def add_version(self, kind: Kind, doc: Document) -> int:
        """Store a new version under the next free number (retried if another writer won)."""
        while True:
            last = await self.db[COLLECTION[kind]].find_one(
                {}, {"_id": 1}, sort=[("_id", DESCENDING)]
            )
            version = (last["_id"] if last else 0) + 1
            try:
                await self.db[COLLECTION[kind]].insert_one({**doc, "_id": version})
            except DuplicateKeyError:
                continue
            return int(version)

    async def version(self, kind: Kind, version: int, *, blob: bool = True) -> Document | None:
        projection = None if blob else {"blob": 0, "training": 0}
        return await self.db[COLLECTION[kind]].find_one({"_id": version}, projection)

    async def versions(self, kind: Kind, *, limit: int = 50) -> list[Document]:
        cursor = self.db[COLLECTION[kind]].find(
            {}, {"blob": 0, "training": 0}, sort=[("_id", DESCENDING)], limit=limit
        )
        return [doc async for doc in cursor]

    # --- activations: an append-only log; the latest one of a kind is in force

    async def activate(
        self, kind: Kind, version: int, *, actor: str, reason: str, rollback: bool = False
    ) -> Activation:
        current = await self.active(kind)
        activation = Activation(
            kind=kind,
            version=version,
            previous=current.version if current else None,
            actor=actor,
            reason=reason,
            at=datetime.now(UTC),
            rollback=rollback,
        )
        await self.db.activations.insert_one({"_id": str(uuid.uuid4()), **activation.__dict__})
        return activation

    async def active(self, kind: Kind) -> Activation | None:
        doc = await self.db.activations.find_one({"kind": kind}, sort=[("at", DESCENDING)])
        return _activation(doc) if doc else None

    async def first_activation(self, kind: Kind, version: int) -> Activation | None:
        """The latest ordinary (not rollback) activation of `version`: it knows what came before."""
        doc = await self.db.activations.find_one(
            {"kind": kind, "version": version, "rollback": False}, sort=[("at", DESCENDING)]
        )
        return _activation(doc) if doc else None

    async def activations(self, kind: Kind, *, limit: int = 50) -> list[Activation]:
        cursor = self.db.activations.find({"kind": kind}, sort=[("at", DESCENDING)], limit=limit)
        return [_activation(doc) async for doc in cursor]

    # --- decisions history

    async def decisions(self, request_ids: list[str]) -> dict[str, Document]:
        """Decisions already recorded for these requests, by request id."""
        cursor = self.db.decisions.find({"_id": {"$in": request_ids}})
        return {doc["_id"]: doc async for doc in cursor}

    async def record_decisions(self, docs: list[Document]) -> None:
        """First decision of a request wins: a redelivery finds it and republishes it."""
        try:
            await self.db.decisions.insert_many(docs, ordered=False)
        except BulkWriteError as exc:
            if any(e.get("code") != DUPLICATE_KEY for e in exc.details.get("writeErrors", [])):
                raise

    async def record_label(self, request_id: str, label: Document) -> bool:
        result = await self.db.decisions.update_one({"_id": request_id}, {"$set": {"label": label}})
        return result.matched_count == 1

    async def labelled(self, *, limit: int = 50_000) -> list[Document]:
        cursor = self.db.decisions.find(
            {"label.at": {"$exists": True}}, {"text": 1, "label": 1}, limit=limit
        )
        return [doc async for doc in cursor]

    async def recent(self, *, limit: int) -> list[Document]:
        fields = ["text", "category_requested", "channel", "form_type", "address", "department"]
        fields.append("label.department")
        cursor = self.db.decisions.find(
            {}, dict.fromkeys(fields, 1), sort=[("decided_at", DESCENDING)], limit=limit
        )
        return [doc async for doc in cursor]


def _activation(doc: dict[str, Any]) -> Activation:
    return Activation(
        kind=doc["kind"],
        version=doc["version"],
        previous=doc.get("previous"),
        actor=doc["actor"],
        reason=doc["reason"],
        at=doc["at"],
        rollback=doc.get("rollback", False),
    )
