"""Invoices from the town's billing software: issued once per (issuer, reference), seen by
the citizen with a secret code, listed by agents. Amounts are integers in cents."""

import hashlib
import hmac
import secrets
import uuid
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.payments.context import Payments
from services.payments.schemas import InvoiceInput
from shared.envelope import Envelope
from shared.events import RequestSubmitted
from shared.events.payments import InvoiceIssued, RequestInvoiceIssued
from shared.kafka.handlers import Handlers
from shared.kafka.topics import PAYMENTS, REQUESTS
from shared.mongo import Document
from shared.problems import ProblemError

INVOICES, PAYMENT_ATTEMPTS, KNOWN_REQUESTS = "invoices", "payments", "requests"
PARIS = ZoneInfo("Europe/Paris")
NOT_FOUND = "Aucune facture ne correspond à cet identifiant et à ce code."


async def ensure_indexes(ctx: Payments) -> None:
    db = ctx.db
    await db[INVOICES].create_index([("issuer", 1), ("reference", 1)], unique=True)
    await db[INVOICES].create_index([("issued_at", -1)])
    await db[INVOICES].create_index([("status", 1), ("issued_at", -1)])
    await db[PAYMENT_ATTEMPTS].create_index("operation_id", unique=True, sparse=True)
    await db[PAYMENT_ATTEMPTS].create_index([("state", 1), ("created_at", 1)])
    await db[PAYMENT_ATTEMPTS].create_index([("paid_on", 1), ("provider", 1), ("state", 1)])
    await ctx.outbox.ensure_indexes()


def hash_code(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def today() -> date:
    return datetime.now(PARIS).date()


def status_label(invoice: Document) -> str:
    """What the citizen reads: à payer, payée, en retard (or remboursée)."""
    if invoice["status"] == "paid":
        return "payée"
    if invoice["status"] == "refunded":
        return "remboursée"
    return "en retard" if date.fromisoformat(invoice["due_date"]) < today() else "à payer"


async def _request_id(ctx: Payments, reference: str | None) -> str | None:
    if reference is None:
        return None
    known = await ctx.db[KNOWN_REQUESTS].find_one({"_id": reference})
    if known is None:
        raise ProblemError(
            422, f"Aucune demande ne porte la référence {reference}.", field="request_reference"
        )
    return str(known["request_id"])


def _same(doc: Document, body: InvoiceInput) -> bool:
    fields = body.model_dump(mode="json", exclude={"request_reference"})
    return all(doc.get(k) == v for k, v in fields.items())


async def issue(
    ctx: Payments, *, body: InvoiceInput, code_hash: str | None = None
) -> tuple[Document, str | None]:
    """The invoice and the citizen's code (None when the invoice already existed, or when
    the billing software drew the code and gave only its `code_hash`)."""
    existing = await ctx.db[INVOICES].find_one({"issuer": body.issuer, "reference": body.reference})
    if existing is not None:
        if not _same(existing, body):
            raise ProblemError(409, "Une autre facture porte déjà cette référence.")
        return existing, None
    request_id = await _request_id(ctx, body.request_reference)
    code = None if code_hash else secrets.token_urlsafe(24)
    now = datetime.now(UTC)
    doc = body.model_dump(mode="json", exclude={"request_reference"}) | {
        "_id": uuid.uuid4().hex,
        "code_hash": code_hash or hash_code(code or ""),
        "status": "unpaid",
        "request_id": request_id,
        "request_reference": body.request_reference,
        "issued_at": now,
        "active_payment": None,
    }
    try:
        await ctx.db[INVOICES].insert_one(doc)
    except DuplicateKeyError:  # the same invoice sent twice at once: the first one wins
        return await issue(ctx, body=body, code_hash=code_hash)
    await _announce(ctx, doc)
    return doc, code


async def _announce(ctx: Payments, doc: Document) -> None:
    fields = {
        "invoice_id": doc["_id"],
        "amount_cents": doc["amount_cents"],
        "issued_at": doc["issued_at"],
    }
    issued = InvoiceIssued(
        **fields,
        issuer=doc["issuer"],
        reference=doc["reference"],
        label=doc["label"],
        contact=doc["contact"],
        items=doc["items"],
        due_date=doc["due_date"],
        request_id=doc["request_id"],
    )
    await ctx.outbox.add(issued, topic=ctx.topic(PAYMENTS), event_id=f"{doc['_id']}:issued")
    if doc["request_id"]:
        timeline = RequestInvoiceIssued(
            **fields,
            request_id=doc["request_id"],
            reference=doc["request_reference"],
            due_date=doc["due_date"],
        )
        await ctx.outbox.add(
            timeline, topic=ctx.topic(REQUESTS), event_id=f"{doc['_id']}:request-issued"
        )
    await ctx.outbox.flush()


async def for_citizen(ctx: Payments, *, invoice_id: str, code: str) -> Document:
    doc = await ctx.db[INVOICES].find_one({"_id": invoice_id})
    if doc is None or not hmac.compare_digest(doc["code_hash"], hash_code(code)):
        raise ProblemError(404, NOT_FOUND)
    return doc


def _filter(status: str) -> Document:
    """`due` and `overdue` split the unpaid invoices by their due date (see status_label)."""
    if status == "due":
        return {"status": "unpaid", "due_date": {"$gte": today().isoformat()}}
    if status == "overdue":
        return {"status": "unpaid", "due_date": {"$lt": today().isoformat()}}
    return {"status": status}


async def listing(
    ctx: Payments, *, status: str | None, limit: int, offset: int
) -> tuple[list[Document], int]:
    if status is None:
        # Hinted: without a filter the store's planner would not pick the sort's index.
        cursor = ctx.db[INVOICES].find({}).sort("issued_at", -1).hint([("issued_at", -1)])
        total = await ctx.db[INVOICES].estimated_document_count()
    else:
        found = _filter(status)
        cursor = ctx.db[INVOICES].find(found).sort("issued_at", -1)
        total = await ctx.db[INVOICES].count_documents(found)
    return await cursor.skip(offset).limit(limit).to_list(), total


request_handlers = Handlers()


@request_handlers.handles(RequestSubmitted)
async def remember(envelope: Envelope[RequestSubmitted], *, db: AsyncDatabase[Document]) -> None:
    """Which request a reference names, so an invoice can say which request it concerns."""
    await db[KNOWN_REQUESTS].update_one(
        {"_id": envelope.data.reference}, {"$set": {"request_id": envelope.key}}, upsert=True
    )
