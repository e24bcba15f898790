"""Unique claims: the one primitive that keeps a place from being taken twice.

A claim is a document whose `_id` names one scarce thing (place n of a slot, the k-th future
booking a person may hold, a person's presence on a slot). `insert_one` of that `_id` is
atomic on a single document in MongoDB, so of two racing writers exactly one wins, whatever
process or replica they run in; the loser gets DuplicateKeyError and tries the next place.
A claim stays unconfirmed until its booking records it; start-up and periodic sweeps release
unconfirmed claims their booking does not back (a process killed halfway).
"""

from datetime import datetime
from enum import StrEnum

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.appointments.slots import Slot, slot_key
from services.appointments.store import CLAIMS
from shared.mongo import Document


class ClaimKind(StrEnum):
    PLACE = "place"  # place n of a slot
    PRESENCE = "presence"  # one person, once per slot
    QUOTA = "quota"  # the k-th future booking of one person for one kind


def place_id(agenda_id: str, start: datetime, n: int) -> str:
    return f"{agenda_id}:{slot_key(start)}:{n}"


def presence_id(agenda_id: str, start: datetime, contact: str) -> str:
    return f"presence:{agenda_id}:{slot_key(start)}:{contact}"


def quota_id(kind: str, contact: str, k: int) -> str:
    return f"quota:{kind}:{contact}:{k}"


def claim_doc(
    claim_id: str,
    *,
    kind: ClaimKind,
    booking_id: str,
    agenda_id: str,
    start: datetime,
    now: datetime,
) -> Document:
    return {
        "_id": claim_id,
        "kind": kind.value,
        "booking_id": booking_id,
        "agenda_id": agenda_id,
        "start": start,
        "claimed_at": now,
        "confirmed": False,
    }


async def take(db: AsyncDatabase[Document], doc: Document) -> bool:
    """Insert the claim; True when it is ours (now, or already from an earlier attempt)."""
    try:
        await db[CLAIMS].insert_one(doc)
    except DuplicateKeyError:
        holder = await db[CLAIMS].find_one({"_id": doc["_id"]}, {"booking_id": 1})
        return holder is not None and holder["booking_id"] == doc["booking_id"]
    return True


async def take_first(db: AsyncDatabase[Document], docs: list[Document]) -> str | None:
    """Claim the first free one of `docs` (in order); its id, or None when all are taken."""
    ids = [d["_id"] for d in docs]
    held = {
        d["_id"]: d["booking_id"]
        async for d in db[CLAIMS].find({"_id": {"$in": ids}}, {"booking_id": 1})
    }
    for doc in docs:
        if held.get(doc["_id"]) == doc["booking_id"]:
            return str(doc["_id"])
        if doc["_id"] not in held and await take(db, doc):
            return str(doc["_id"])
    return None


async def expire(db: AsyncDatabase[Document], ids: list[str], *, before: datetime) -> None:
    """Free the claims among `ids` whose appointment started before `before`."""
    await db[CLAIMS].delete_many({"_id": {"$in": ids}, "start": {"$lt": before}})


async def places_taken(
    db: AsyncDatabase[Document], agenda_id: str, *, first: datetime, last: datetime
) -> dict[datetime, int]:
    """How many places are claimed per slot start, for starts in [first, last)."""
    counts: dict[datetime, int] = {}
    query = {"agenda_id": agenda_id, "kind": ClaimKind.PLACE.value}
    query["start"] = {"$gte": first, "$lt": last}  # type: ignore[assignment]
    async for doc in db[CLAIMS].find(query, {"start": 1, "_id": 0}):
        counts[doc["start"]] = counts.get(doc["start"], 0) + 1
    return counts


async def full(db: AsyncDatabase[Document], slot: Slot, agenda_id: str) -> bool:
    """Every place of the slot is claimed (a hint: only the claim itself decides)."""
    query = {"agenda_id": agenda_id, "kind": ClaimKind.PLACE.value, "start": slot.start}
    return await db[CLAIMS].count_documents(query) >= slot.capacity


async def release(
    db: AsyncDatabase[Document], booking_id: str, *, start: datetime | None = None
) -> int:
    """Free a booking's claims (only those on `start` when given)."""
    query: Document = {"booking_id": booking_id}
    if start is not None:
        query |= {"start": start, "kind": {"$ne": ClaimKind.QUOTA.value}}
    result = await db[CLAIMS].delete_many(query)
    return result.deleted_count


async def confirm(db: AsyncDatabase[Document], booking_id: str) -> None:
    await db[CLAIMS].update_many(
        {"booking_id": booking_id, "confirmed": False}, {"$set": {"confirmed": True}}
    )


async def unconfirm(db: AsyncDatabase[Document], booking_id: str, *, now: datetime) -> None:
    """Put a booking's claims in question while it changes; a sweep settles them if we die."""
    await db[CLAIMS].update_many(
        {"booking_id": booking_id}, {"$set": {"confirmed": False, "claimed_at": now}}
    )
