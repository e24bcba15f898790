"""The domain topics' events: keyed by their own id, valid against their published schemas."""

import json
from datetime import UTC, date, datetime
from pathlib import Path

import jsonschema

from shared.envelope import Envelope, encode
from shared.events.documents import DocumentUploaded, KeptFor
from shared.events.payments import InvoiceContact, InvoiceIssued, InvoiceItem

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts" / "events"
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def _check(event: DocumentUploaded | InvoiceIssued, key: str) -> None:
    record_key, value, headers = encode(Envelope(data=event, source="/t", id="e1"))
    assert record_key == key.encode()
    named = dict(headers)
    assert named["ce_subject"] == key.encode() and named["ce_type"] == event.event_type.encode()
    schema = json.loads((CONTRACTS / f"{event.event_type}.schema.json").read_text())
    jsonschema.validate(json.loads(value), schema)


def test_a_document_event_is_keyed_by_its_document() -> None:
    event = DocumentUploaded(
        document_id="d1",
        owner="a" * 64,
        content_type="application/pdf",
        size=3,
        sha256="b" * 64,
        kept_for=KeptFor.OWN,
        uploaded_at=NOW,
    )
    _check(event, "d1")


def test_an_invoice_event_is_keyed_by_its_invoice_and_counts_cents() -> None:
    event = InvoiceIssued(
        invoice_id="i1",
        issuer="regie",
        reference="R-1",
        label="Cantine",
        contact=InvoiceContact(email="camille@example.org"),
        items=[InvoiceItem(label="Repas", quantity=2, unit_amount_cents=345)],
        amount_cents=690,
        due_date=date(2026, 12, 31),
        issued_at=NOW,
    )
    _check(event, "i1")
    schema = json.loads((CONTRACTS / "relais.invoice.issued.v1.schema.json").read_text())
    bad = json.loads(event.model_dump_json()) | {"amount_cents": 6.9}
    try:
        jsonschema.validate(bad, schema)
    except jsonschema.ValidationError:
        return
    raise AssertionError("a float amount must not validate")
