"""Invoices the billing software sends as events on `relais.billing.v1` rather than through
`POST /v1/invoices`: recorded once per (issuer, reference), like the API's.

A redelivered or resent event finds the invoice already there and changes nothing; another
invoice under a reference already used, or naming an unknown request, is refused and goes,
after the consumer's retries, to the dead-letter topic for a person to look at.
"""

import structlog

from services.payments import invoices
from services.payments.context import Payments
from services.payments.schemas import InvoiceInput
from shared.envelope import Envelope
from shared.events.billing import BillingInvoiceIssued
from shared.kafka.handlers import Handlers
from shared.problems import ProblemError

log = structlog.get_logger(__name__)


class BillingRefused(Exception):
    """The billing event cannot become an invoice (the problem's detail says why)."""


async def record(ctx: Payments, *, event: BillingInvoiceIssued) -> str:
    """The invoice's id, new or already recorded."""
    body = InvoiceInput.model_validate(
        event.model_dump(exclude={"citizen_code_sha256", "issued_at"})
    )
    try:
        doc, _ = await invoices.issue(ctx, body=body, code_hash=event.citizen_code_sha256)
    except ProblemError as exc:
        log.warning("billing.refused", status=exc.status)
        raise BillingRefused(exc.detail) from exc
    return str(doc["_id"])


def billing_handlers(ctx: Payments) -> Handlers:
    async def on_issued(envelope: Envelope[BillingInvoiceIssued]) -> None:
        await record(ctx, event=envelope.data)

    registry = Handlers()
    # Billing events are not request events: the registry is keyed by type alone.
    registry.single[BillingInvoiceIssued] = on_issued  # type: ignore[index]
    return registry
