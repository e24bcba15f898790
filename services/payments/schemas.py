"""What the payments API reads and answers (amounts in integer cents)."""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.events.payments import Cents, InvoiceContact, InvoiceItem


class InvoiceInput(BaseModel):
    """Une facture émise par le logiciel de facturation de la commune."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    issuer: str = Field(min_length=1, max_length=100, examples=["regie-cantine"])
    reference: str = Field(
        min_length=1, max_length=30, pattern=r"^[A-Za-z0-9-]+$", examples=["CANT-2026-11-0042"]
    )
    label: str = Field(min_length=1, max_length=100, examples=["Cantine scolaire novembre 2026"])
    contact: InvoiceContact
    items: list[InvoiceItem] = Field(min_length=1, max_length=100)
    amount_cents: Cents
    due_date: date
    request_reference: str | None = Field(
        default=None,
        max_length=32,
        pattern=r"^[0-9]{4}-[A-Z][0-9]{6,}$",
        description="La demande concernée, le cas échéant",
    )

    @model_validator(mode="after")
    def _total(self) -> "InvoiceInput":
        total = sum(item.quantity * item.unit_amount_cents for item in self.items)
        if total != self.amount_cents:
            raise ValueError(
                f"Le montant ({self.amount_cents} centimes) ne correspond pas au total des "
                f"lignes ({total} centimes)."
            )
        return self


class Receipt(BaseModel):
    number: str
    amount_cents: int
    paid_at: datetime
    authorisation: str
    provider: str


class InvoiceView(BaseModel):
    invoice_id: str
    issuer: str
    reference: str
    label: str
    items: list[InvoiceItem]
    amount_cents: int
    due_date: date
    status: Literal["unpaid", "paid", "refunded"]
    status_label: str = Field(examples=["à payer", "payée", "en retard"])
    request_reference: str | None = None
    issued_at: datetime
    receipt: Receipt | None = None


class IssuedInvoice(InvoiceView):
    citizen_code: str | None = Field(
        description="Code secret de l'usager (donné une seule fois, à la création)"
    )
    citizen_url: str | None


class InvoicePage(BaseModel):
    items: list[InvoiceView]
    total: int
    limit: int
    offset: int


class PaymentStart(BaseModel):
    payment_id: str
    redirect_url: str
    provider: str


class Refund(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500)
