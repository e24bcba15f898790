"""The payment provider interface, and the development provider `make run` uses.

The outcome of a payment is always learnt by asking the provider (`outcome`), never from the
browser's return or the notification alone: those only say "go and ask".
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Protocol

from pymongo.asynchronous.database import AsyncDatabase

from shared.mongo import Document


class State(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    REFUSED = "refused"
    ABANDONED = "abandoned"


@dataclass(frozen=True)
class Operation:
    operation_id: str
    redirect_url: str


@dataclass(frozen=True)
class Outcome:
    state: State
    amount_cents: int | None = None
    authorisation: str | None = None
    paid_at: datetime | None = None


@dataclass(frozen=True)
class KnownPayment:
    """A payment as the provider's own books list it (reconciliation)."""

    operation_id: str
    reference: str
    amount_cents: int


class ProviderUnavailable(RuntimeError):
    """The provider did not answer: nothing is decided, ask again later."""


class Provider(Protocol):
    name: str

    async def create(
        self,
        *,
        reference: str,
        label: str,
        amount_cents: int,
        email: str,
        year: int,
        notify_url: str,
        return_url: str,
    ) -> Operation: ...

    async def outcome(self, operation_id: str) -> Outcome: ...

    async def paid_on(self, day: date) -> list[KnownPayment]: ...


DEV_OPERATIONS = "dev_provider_operations"


class DevProvider:
    """Development provider: its "payment page" is a route of this service (/v1/dev-provider)
    where the developer picks paid, refused or abandoned."""

    name = "dev"

    def __init__(self, *, db: AsyncDatabase[Document], public_url: str) -> None:
        self._db, self._public_url = db, public_url.rstrip("/")

    async def create(
        self,
        *,
        reference: str,
        label: str,
        amount_cents: int,
        email: str,
        year: int,
        notify_url: str,
        return_url: str,
    ) -> Operation:
        operation_id = uuid.uuid4().hex
        await self._db[DEV_OPERATIONS].insert_one(
            {
                "_id": operation_id,
                "reference": reference,
                "amount_cents": amount_cents,
                "return_url": return_url,
                "state": State.PENDING.value,
                "paid_at": None,
            }
        )
        return Operation(operation_id, f"{self._public_url}/v1/dev-provider/{operation_id}")

    async def decide(self, operation_id: str, state: State) -> str | None:
        """The developer's choice on the page; returns where the browser goes back."""
        paid_at = datetime.now(UTC) if state == State.PAID else None
        found = await self._db[DEV_OPERATIONS].find_one_and_update(
            {"_id": operation_id, "state": State.PENDING.value},
            {"$set": {"state": state.value, "paid_at": paid_at, "day": date.today().isoformat()}},
        )
        return None if found is None else str(found["return_url"])

    async def outcome(self, operation_id: str) -> Outcome:
        doc = await self._db[DEV_OPERATIONS].find_one({"_id": operation_id})
        if doc is None:
            return Outcome(State.ABANDONED)
        paid = doc["state"] == State.PAID
        return Outcome(
            State(doc["state"]),
            amount_cents=doc["amount_cents"],
            authorisation=f"DEV{operation_id[:6].upper()}" if paid else None,
            paid_at=doc["paid_at"],
        )

    async def paid_on(self, day: date) -> list[KnownPayment]:
        found = self._db[DEV_OPERATIONS].find({"state": State.PAID.value, "day": day.isoformat()})
        return [
            KnownPayment(d["_id"], d["reference"], d["amount_cents"]) for d in await found.to_list()
        ]
