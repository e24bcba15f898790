"""Contract of the town's billing software: invoices it issues, sent as events on
`relais.billing.v1` (key: the billing software's invoice reference) instead of the HTTP API.

The citizen's secret code never travels: the billing software draws it (at least 128 random
bits), prints it on the invoice and sends only its SHA-256, as request tracking codes do.
Amounts are integers in euro cents, never floats.
"""

from datetime import date
from typing import ClassVar, Self

from pydantic import Field, model_validator

from shared.events.common import AwareDatetime
from shared.events.payments import Cents, InvoiceContact, InvoiceItem
from shared.events.stream import StreamEvent


class BillingInvoiceIssued(StreamEvent):
    """The billing software issued an invoice payable online; payments records it once per
    (issuer, reference)."""

    event_type: ClassVar[str] = "relais.billing.invoice_issued.v1"
    key_field: ClassVar[str] = "reference"
    issuer: str = Field(min_length=1, max_length=100)
    reference: str = Field(min_length=1, max_length=30, pattern=r"^[A-Za-z0-9-]+$")
    label: str = Field(min_length=1, max_length=100)
    contact: InvoiceContact
    items: list[InvoiceItem] = Field(min_length=1, max_length=100)
    amount_cents: Cents
    due_date: date
    request_reference: str | None = Field(
        default=None, max_length=32, pattern=r"^[0-9]{4}-[A-Z][0-9]{6,}$"
    )
    citizen_code_sha256: str = Field(
        pattern=r"^[0-9a-f]{64}$", description="SHA-256 (hex) of the code printed on the invoice"
    )
    issued_at: AwareDatetime

    @model_validator(mode="after")
    def _total(self) -> Self:
        total = sum(item.quantity * item.unit_amount_cents for item in self.items)
        if total != self.amount_cents:
            raise ValueError(f"amount_cents {self.amount_cents} is not the items' total {total}")
        return self


BILLING_EVENTS: tuple[type[StreamEvent], ...] = (BillingInvoiceIssued,)
BILLING_EVENT_MODELS: dict[str, type[StreamEvent]] = {m.event_type: m for m in BILLING_EVENTS}
