"""The documents and payments services' hot queries are served by an index, as the store's
own `explain` reports (the same method as tests/integration/test_query_plans.py)."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from services.documents import library, projection, reading, retention, sharing
from services.documents.access import Access
from services.payments import checkout, invoices, reconcile
from shared.auth import Agent
from tests.conftest import MONGODB_URI
from tests.integration.test_query_plans import INDEX_STAGES, Query, Recorder, Store, explain_all

NOW = datetime.now(UTC)


class _Outbox:
    async def ensure_indexes(self) -> None:
        return None


class _Provider:
    name = "payfip"

    async def paid_on(self, day: date) -> list[object]:
        return []


@pytest.fixture(scope="module")
async def store() -> AsyncIterator[Store]:
    recorder = Recorder()
    client: AsyncMongoClient[Any] = AsyncMongoClient(MONGODB_URI, event_listeners=[recorder])
    name = f"test_plans_{uuid.uuid4().hex[:12]}"
    db = client[name]
    ctx: Any = SimpleNamespace(
        db=db,
        outbox=_Outbox(),
        settings=SimpleNamespace(request_retention_days=30, payment_timeout_s=60),
        provider=_Provider(),
    )
    await library.ensure_indexes(ctx)
    await projection.ensure_indexes(db)
    await invoices.ensure_indexes(ctx)
    await db["documents"].insert_many(
        {"_id": f"d{n}", "owner": f"o{n % 10}", "uploaded_at": NOW, "kept_for": "request"}
        for n in range(300)
    )
    await db["shares"].insert_many(
        {
            "_id": f"s{n}",
            "document_id": f"d{n}",
            "request_id": f"r{n % 50}",
            "withdrawn_at": None,
            "shared_at": NOW,
            "reference": "2026-P000001",
        }
        for n in range(300)
    )
    await db["requests"].insert_many(
        {
            "_id": f"r{n}",
            "reference": f"2026-P{n:06d}",
            "department": "urbanisme",
            "closed_at": NOW - timedelta(days=n),
        }
        for n in range(300)
    )
    await db["invoices"].insert_many(
        {
            "_id": f"i{n}",
            "issuer": "regie",
            "reference": f"R-{n}",
            "status": "unpaid",
            "issued_at": NOW,
        }
        for n in range(300)
    )
    await db["payments"].insert_many(
        {
            "_id": f"p{n}",
            "invoice_id": f"i{n}",
            "operation_id": f"op{n}",
            "state": "paid",
            "provider": "payfip",
            "amount_cents": 100,
            "paid_on": NOW.date().isoformat(),
            "created_at": NOW,
        }
        for n in range(300)
    )
    build = await client.admin.command("buildInfo")
    yield Store(db, recorder, "secantusVersion" in build)
    await client.drop_database(name)
    await client.close()


def _ctx(db: Any) -> Any:
    return SimpleNamespace(
        db=db,
        settings=SimpleNamespace(request_retention_days=30, payment_timeout_s=60),
        provider=_Provider(),
    )


ACCESS = Access(
    agent=Agent(agent_id="a", name="A", department="urbanisme"), triage_department="accueil"
)
HOT: dict[str, Query] = {
    "citizen's list": lambda db: library.listing(_ctx(db), owner="o1", limit=20, offset=0),
    "citizen's document": lambda db: library.owned(_ctx(db), owner="o7", document_id="d7"),
    "shares and reads of a page": lambda db: sharing.shares_of(_ctx(db), document_ids=["d1"]),
    "reads of a page": lambda db: sharing.reads_of(_ctx(db), document_ids=["d1", "d2"]),
    "agents' list of a request": lambda db: reading.shared_with(_ctx(db), request_id="r1"),
    "request for an agent": lambda db: reading.visible_request(
        _ctx(db), access=ACCESS, request_id="r1"
    ),
    "share lookup on a read": lambda db: db["shares"].find_one(
        {"document_id": "d1", "request_id": "r1", "withdrawn_at": None}
    ),
    "request by reference (share)": lambda db: db["requests"].find_one(
        {"reference": "2026-P000001"}
    ),
    "retention": lambda db: retention.purge(_ctx(db), now=NOW - timedelta(days=280)),
    "invoices list": lambda db: invoices.listing(_ctx(db), status=None, limit=50, offset=0),
    "invoices by status": lambda db: invoices.listing(_ctx(db), status="paid", limit=50, offset=0),
    "invoice by issuer and reference": lambda db: db["invoices"].find_one(
        {"issuer": "regie", "reference": "R-1"}
    ),
    "payment by operation": lambda db: checkout.settle_operation(_ctx(db), operation_id="op1"),
    "open payments (recovery)": lambda db: checkout.recover(_ctx(db)),
    "reconciliation": lambda db: reconcile.reconcile(_ctx(db), day=NOW.date()),
}


@pytest.mark.parametrize("name", HOT)
async def test_each_hot_query_uses_an_index(store: Store, name: str) -> None:
    for stages in await explain_all(store, HOT[name]):
        assert "COLLSCAN" not in stages, f"{name}: {stages}"
        assert INDEX_STAGES & set(stages), f"{name}: {stages}"
