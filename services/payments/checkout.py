"""Paying an invoice exactly once.

- One payment attempt at a time per invoice: starting a payment is a compare-and-set on the
  invoice's `active_payment`; a second tab or a double click gets the attempt in progress
  (same provider operation), never a second one.
- The result is learnt by asking the provider (`settle`), whatever woke us up (the browser's
  return, the provider's notification, the recovery loop); replays ask again and change
  nothing.
- Settling writes the invoice first (conditional on it being unpaid), then the events (with
  ids derived from the payment, so a replay stores none twice), then the attempt's state;
  an attempt still marked started is settled again after a crash, at start-up and then
  periodically (`recover`).
"""

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta

import structlog

from services.payments.context import Payments
from services.payments.invoices import INVOICES, PARIS, PAYMENT_ATTEMPTS
from services.payments.providers import Outcome, ProviderUnavailable, State
from shared.events.payments import (
    PaymentFailed,
    PaymentOutcome,
    PaymentStarted,
    PaymentSucceeded,
    RequestInvoicePaid,
)
from shared.kafka.topics import PAYMENTS, REQUESTS
from shared.mongo import Document
from shared.problems import ProblemError

log = structlog.get_logger(__name__)
CREATING, STARTED = "creating", "started"
OPEN = (CREATING, STARTED)
ALREADY_PAID = "Cette facture est déjà payée."
BUSY = "Un paiement de cette facture est en cours : réessayez dans quelques instants."
UNAVAILABLE = "Le service de paiement ne répond pas : réessayez dans quelques instants."


def paris_day(moment: datetime) -> str:
    """The day a payment counts for in the provider's statements (the town's time)."""
    return moment.astimezone(PARIS).date().isoformat()


def _expired(ctx: Payments, attempt: Document, now: datetime) -> bool:
    return attempt["created_at"] + timedelta(seconds=ctx.settings.payment_timeout_s) < now


async def start(ctx: Payments, *, invoice: Document) -> Document:
    """The open attempt of the invoice, or a new one; 409 once the invoice is paid."""
    # Another tab may be creating the attempt: wait as long as the provider may take.
    deadline = time.monotonic() + ctx.settings.provider_timeout_s + 5
    while time.monotonic() < deadline:
        invoice = await ctx.db[INVOICES].find_one({"_id": invoice["_id"]}) or invoice
        if invoice["status"] != "unpaid":
            raise ProblemError(409, ALREADY_PAID)
        seen = invoice.get("active_payment")
        if seen is not None:
            attempt = await ctx.db[PAYMENT_ATTEMPTS].find_one({"_id": seen})
            if attempt is not None and attempt["state"] == STARTED:
                attempt = await settle(ctx, attempt=attempt)
                if attempt["state"] == STARTED:
                    return attempt
                continue
            creating = attempt is not None and attempt["state"] == CREATING
            if creating and not _expired(ctx, attempt, datetime.now(UTC)):  # type: ignore[arg-type]
                await asyncio.sleep(0.1)  # another tab is creating it: wait for it
                continue
        created = await _claim(ctx, invoice=invoice, seen=seen)
        if created is not None:
            return created
    raise ProblemError(409, BUSY)


async def _claim(ctx: Payments, *, invoice: Document, seen: str | None) -> Document | None:
    now = datetime.now(UTC)
    attempt: Document = {
        "_id": uuid.uuid4().hex,
        "invoice_id": invoice["_id"],
        "state": CREATING,
        "provider": ctx.provider.name,
        "amount_cents": invoice["amount_cents"],
        "created_at": now,
    }
    await ctx.db[PAYMENT_ATTEMPTS].insert_one(attempt)
    won = await ctx.db[INVOICES].update_one(
        {"_id": invoice["_id"], "status": "unpaid", "active_payment": seen},
        {"$set": {"active_payment": attempt["_id"]}},
    )
    if not won.modified_count:
        await ctx.db[PAYMENT_ATTEMPTS].delete_one({"_id": attempt["_id"]})
        return None
    return await _open_operation(ctx, invoice=invoice, attempt=attempt)


async def _open_operation(ctx: Payments, *, invoice: Document, attempt: Document) -> Document:
    base = ctx.settings.public_url.rstrip("/")
    try:
        operation = await ctx.provider.create(
            reference=invoice["reference"],
            label=invoice["label"],
            amount_cents=invoice["amount_cents"],
            email=invoice["contact"]["email"],
            year=invoice["issued_at"].year,
            notify_url=f"{base}/v1/payfip/notifications",
            return_url=f"{base}/v1/payments/return",
        )
    except ProviderUnavailable as exc:
        await _release(ctx, attempt=attempt, state="unavailable")
        raise ProblemError(503, UNAVAILABLE, headers={"Retry-After": "10"}) from exc
    fields = {
        "state": STARTED,
        "operation_id": operation.operation_id,
        "redirect_url": operation.redirect_url,
    }
    started = PaymentStarted(
        invoice_id=invoice["_id"],
        payment_id=attempt["_id"],
        provider=ctx.provider.name,
        operation_id=operation.operation_id,
        amount_cents=attempt["amount_cents"],
        started_at=datetime.now(UTC),
    )
    await ctx.outbox.add(started, topic=ctx.topic(PAYMENTS), event_id=f"{attempt['_id']}:started")
    await ctx.db[PAYMENT_ATTEMPTS].update_one({"_id": attempt["_id"]}, {"$set": fields})
    await ctx.outbox.flush()
    return attempt | fields


async def _release(ctx: Payments, *, attempt: Document, state: str) -> None:
    await ctx.db[INVOICES].update_one(
        {"_id": attempt["invoice_id"], "active_payment": attempt["_id"]},
        {"$set": {"active_payment": None}},
    )
    await ctx.db[PAYMENT_ATTEMPTS].update_one(
        {"_id": attempt["_id"], "state": {"$in": OPEN}}, {"$set": {"state": state}}
    )


async def settle_operation(ctx: Payments, *, operation_id: str) -> Document | None:
    """Settle the attempt of a provider operation (from a return or a notification)."""
    attempt = await ctx.db[PAYMENT_ATTEMPTS].find_one({"operation_id": operation_id})
    return None if attempt is None else await settle(ctx, attempt=attempt)


async def settle(ctx: Payments, *, attempt: Document) -> Document:
    """Ask the provider and record what it says; the attempt as it now stands."""
    if attempt["state"] != STARTED:
        return attempt
    outcome = await ctx.provider.outcome(attempt["operation_id"])
    now = datetime.now(UTC)
    if outcome.state == State.PAID:
        return await _paid(ctx, attempt=attempt, outcome=outcome)
    if outcome.state == State.PENDING and not _expired(ctx, attempt, now):
        return attempt
    state = State.REFUSED if outcome.state == State.REFUSED else State.ABANDONED
    failed = PaymentFailed(
        invoice_id=attempt["invoice_id"],
        payment_id=attempt["_id"],
        provider=attempt["provider"],
        operation_id=attempt["operation_id"],
        outcome=PaymentOutcome(state.value),
        failed_at=now,
    )
    await ctx.outbox.add(failed, topic=ctx.topic(PAYMENTS), event_id=f"{attempt['_id']}:failed")
    await _release(ctx, attempt=attempt, state=state.value)
    await ctx.outbox.flush()
    return attempt | {"state": state.value}


async def _paid(ctx: Payments, *, attempt: Document, outcome: Outcome) -> Document:
    if outcome.amount_cents != attempt["amount_cents"]:
        # Never mark paid on a different amount: reconciliation lists it for a person.
        log.error("payments.amount_mismatch", payment_id=attempt["_id"])
        day = paris_day(outcome.paid_at or datetime.now(UTC))
        await ctx.db[PAYMENT_ATTEMPTS].update_one(
            {"_id": attempt["_id"]}, {"$set": {"state": "amount_mismatch", "paid_on": day}}
        )
        return attempt | {"state": "amount_mismatch"}
    paid_at = outcome.paid_at or datetime.now(UTC)
    receipt = {
        "authorisation": outcome.authorisation or "",
        "paid_at": paid_at,
        "payment_id": attempt["_id"],
        "provider": attempt["provider"],
    }
    await ctx.db[INVOICES].update_one(
        {"_id": attempt["invoice_id"], "status": "unpaid"},
        {"$set": {"status": "paid", "receipt": receipt, "active_payment": None}},
    )
    invoice = await ctx.db[INVOICES].find_one({"_id": attempt["invoice_id"]})
    assert invoice is not None
    state = "paid" if invoice["receipt"]["payment_id"] == attempt["_id"] else "paid_twice"
    if state == "paid":
        await _announce_paid(ctx, invoice=invoice, attempt=attempt, paid_at=paid_at)
    else:  # cannot happen with one attempt at a time; kept visible for a refund
        log.error("payments.paid_twice", payment_id=attempt["_id"])
    day = paris_day(paid_at)
    await ctx.db[PAYMENT_ATTEMPTS].update_one(
        {"_id": attempt["_id"], "state": STARTED},
        {"$set": {"state": state, "paid_on": day, "authorisation": receipt["authorisation"]}},
    )
    await ctx.outbox.flush()
    return attempt | {"state": state}


async def _announce_paid(
    ctx: Payments, *, invoice: Document, attempt: Document, paid_at: datetime
) -> None:
    succeeded = PaymentSucceeded(
        invoice_id=invoice["_id"],
        payment_id=attempt["_id"],
        provider=attempt["provider"],
        operation_id=attempt["operation_id"],
        authorisation=invoice["receipt"]["authorisation"] or "-",
        amount_cents=attempt["amount_cents"],
        reference=invoice["reference"],
        contact=invoice["contact"],
        paid_at=paid_at,
        label=invoice["label"],
    )
    pid = attempt["_id"]
    await ctx.outbox.add(succeeded, topic=ctx.topic(PAYMENTS), event_id=f"{pid}:succeeded")
    if invoice.get("request_id"):
        timeline = RequestInvoicePaid(
            request_id=invoice["request_id"],
            reference=invoice["request_reference"],
            invoice_id=invoice["_id"],
            amount_cents=attempt["amount_cents"],
            paid_at=paid_at,
        )
        await ctx.outbox.add(timeline, topic=ctx.topic(REQUESTS), event_id=f"{pid}:request-paid")


async def recover(ctx: Payments) -> int:
    """Settle every attempt left open (a crash, a lost notification); returns how many."""
    now = datetime.now(UTC)
    settled = 0
    async for attempt in ctx.db[PAYMENT_ATTEMPTS].find({"state": {"$in": OPEN}}):
        if attempt["state"] == CREATING:
            if _expired(ctx, attempt, now):
                await _release(ctx, attempt=attempt, state="abandoned")
            continue
        try:
            if (await settle(ctx, attempt=attempt))["state"] != STARTED:
                settled += 1
        except ProviderUnavailable:
            log.warning("payments.recovery_deferred")
            break
    return settled
