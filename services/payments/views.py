"""Invoices as the API shows them."""

from services.payments.invoices import status_label
from services.payments.schemas import InvoiceView, Receipt
from shared.mongo import Document


def receipt(doc: Document) -> Receipt | None:
    paid = doc.get("receipt")
    if not paid or doc["status"] == "unpaid":
        return None
    return Receipt(
        number=f"{doc['reference']}-{paid['payment_id'][:8].upper()}",
        amount_cents=doc["amount_cents"],
        paid_at=paid["paid_at"],
        authorisation=paid["authorisation"],
        provider=paid["provider"],
    )


def invoice_view(doc: Document) -> InvoiceView:
    return InvoiceView(
        invoice_id=doc["_id"],
        issuer=doc["issuer"],
        reference=doc["reference"],
        label=doc["label"],
        items=doc["items"],
        amount_cents=doc["amount_cents"],
        due_date=doc["due_date"],
        status=doc["status"],
        status_label=status_label(doc),
        request_reference=doc.get("request_reference"),
        issued_at=doc["issued_at"],
        receipt=receipt(doc),
    )
