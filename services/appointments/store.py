"""The service's collections, their indexes, and the agendas' persistence."""

import uuid
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from services.appointments.agendas import Agenda, AgendaInput, Closure, ClosureInput
from shared.mongo import Document, insert_once

AGENDAS = "agendas"
BOOKINGS = "bookings"
CLAIMS = "claims"
CONTACTS = "contacts"

INDEXES: dict[str, list[list[tuple[str, Any]]]] = {
    AGENDAS: [[("department", ASCENDING)]],
    BOOKINGS: [
        [("code_hash", ASCENDING)],
        [("agenda_id", ASCENDING), ("start", ASCENDING)],
        [("status", ASCENDING), ("lease_until", ASCENDING)],
        [("status", ASCENDING), ("reminder_sent", ASCENDING), ("start", ASCENDING)],
    ],
    CLAIMS: [
        [("agenda_id", ASCENDING), ("kind", ASCENDING), ("start", ASCENDING)],
        [("booking_id", ASCENDING)],
        [("confirmed", ASCENDING), ("claimed_at", ASCENDING)],
    ],
}


async def ensure_indexes(*, db: AsyncDatabase[Document]) -> None:
    for collection, indexes in INDEXES.items():
        for keys in indexes:
            await db[collection].create_index(keys)


def _agenda(doc: Document) -> Agenda:
    doc = dict(doc)
    doc["agenda_id"] = doc.pop("_id")
    doc.pop("created_at", None)
    return Agenda.model_validate(doc)


async def create_agenda(db: AsyncDatabase[Document], spec: AgendaInput, *, now: datetime) -> bool:
    """False when an agenda with this id exists."""
    doc = spec.model_dump(mode="json") | {"closures": [], "created_at": now}
    doc["_id"] = doc.pop("agenda_id")
    return await insert_once(db, AGENDAS, doc)


async def get_agenda(db: AsyncDatabase[Document], agenda_id: str) -> Agenda | None:
    doc = await db[AGENDAS].find_one({"_id": agenda_id})
    return _agenda(doc) if doc else None


async def list_agendas(db: AsyncDatabase[Document], *, department: str | None) -> list[Agenda]:
    query = {"department": department} if department else {}
    return [_agenda(doc) async for doc in db[AGENDAS].find(query).sort("_id", ASCENDING)]


async def add_closure(
    db: AsyncDatabase[Document], agenda_id: str, closure: ClosureInput, *, actor: str
) -> Agenda | None:
    """Append an exception (one atomic update of the agenda document)."""
    full = Closure(**closure.model_dump(), closure_id=uuid.uuid4().hex[:12], actor=actor)
    doc = await db[AGENDAS].find_one_and_update(
        {"_id": agenda_id},
        {"$push": {"closures": full.model_dump(mode="json")}},
        return_document=ReturnDocument.AFTER,
    )
    return _agenda(doc) if doc else None
