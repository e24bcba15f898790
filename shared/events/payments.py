"""Contracts of invoices and their payment (topic `relais.payments.v1`, key invoice id), and
the events an invoice linked to a request puts on its timeline (topic `relais.requests.v1`).
Amounts are integers in euro cents, never floats."""

from datetime import date
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import EmailStr, Field

from shared.events.common import AwareDatetime, Contract, RequestId
from shared.events.request import Event
from shared.events.stream import StreamEvent

InvoiceId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
Cents = Annotated[int, Field(ge=1, le=100_000_000, description="Montant en centimes d'euro")]


class InvoiceItem(Contract):
    label: str = Field(min_length=1, max_length=200)
    quantity: int = Field(default=1, ge=1, le=100_000)
    unit_amount_cents: int = Field(ge=0, le=100_000_000)


class InvoiceContact(Contract):
    name: str | None = Field(default=None, max_length=200)
    email: EmailStr


class PaymentOutcome(StrEnum):
    REFUSED = "refused"
    ABANDONED = "abandoned"


class InvoiceEvent(StreamEvent):
    key_field: ClassVar[str] = "invoice_id"
    invoice_id: InvoiceId


class InvoiceIssued(InvoiceEvent):
    """The town's billing software issued an invoice the citizen can pay online."""

    event_type: ClassVar[str] = "relais.invoice.issued.v1"
    issuer: str = Field(min_length=1, max_length=100)
    reference: str = Field(min_length=1, max_length=64)
    label: str = Field(min_length=1, max_length=100)
    contact: InvoiceContact
    items: list[InvoiceItem] = Field(min_length=1, max_length=100)
    amount_cents: Cents
    due_date: date
    request_id: RequestId | None = None
    issued_at: AwareDatetime


class PaymentStarted(InvoiceEvent):
    event_type: ClassVar[str] = "relais.payment.started.v1"
    payment_id: InvoiceId
    provider: str = Field(min_length=1, max_length=32)
    operation_id: str = Field(min_length=1, max_length=100)
    amount_cents: Cents
    started_at: AwareDatetime


class PaymentSucceeded(InvoiceEvent):
    """Confirmed by asking the provider; notification sends the receipt to `contact`."""

    event_type: ClassVar[str] = "relais.payment.succeeded.v1"
    payment_id: InvoiceId
    provider: str = Field(min_length=1, max_length=32)
    operation_id: str = Field(min_length=1, max_length=100)
    authorisation: str = Field(min_length=1, max_length=64)
    amount_cents: Cents
    reference: str = Field(min_length=1, max_length=64)
    contact: InvoiceContact
    paid_at: AwareDatetime
    label: str | None = Field(
        default=None, max_length=100, description="What the invoice is for, for the receipt"
    )


class PaymentFailed(InvoiceEvent):
    event_type: ClassVar[str] = "relais.payment.failed.v1"
    payment_id: InvoiceId
    provider: str = Field(min_length=1, max_length=32)
    operation_id: str = Field(min_length=1, max_length=100)
    outcome: PaymentOutcome
    failed_at: AwareDatetime


class PaymentRefunded(InvoiceEvent):
    """An agent recorded a refund made through the provider's back office."""

    event_type: ClassVar[str] = "relais.payment.refunded.v1"
    payment_id: InvoiceId
    amount_cents: Cents
    actor: str = Field(min_length=1, max_length=100)
    refunded_at: AwareDatetime


class RequestInvoiceIssued(Event):
    """On the request's timeline: an invoice concerns this request."""

    event_type: ClassVar[str] = "relais.request.invoice_issued.v1"
    invoice_id: InvoiceId
    amount_cents: Cents
    due_date: date
    issued_at: AwareDatetime


class RequestInvoicePaid(Event):
    """On the request's timeline: its invoice was paid."""

    event_type: ClassVar[str] = "relais.request.invoice_paid.v1"
    invoice_id: InvoiceId
    amount_cents: Cents
    paid_at: AwareDatetime


PAYMENT_EVENTS: tuple[type[InvoiceEvent], ...] = (
    InvoiceIssued,
    PaymentStarted,
    PaymentSucceeded,
    PaymentFailed,
    PaymentRefunded,
)

PAYMENT_EVENT_MODELS: dict[str, type[InvoiceEvent]] = {m.event_type: m for m in PAYMENT_EVENTS}
