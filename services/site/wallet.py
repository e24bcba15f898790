"""The invoices a citizen opened in this browser: (invoice id, code) pairs in one cookie (pure).

A session cookie (gone when the browser closes), HttpOnly, SameSite=Lax (it comes back with
the provider's return, a top-level navigation), limited to /factures. The code is the
citizen's own secret; keeping it there takes it out of addresses and lets the payment's
return page ask payments for the invoice without asking for the code again.
"""

from urllib.parse import quote, unquote

COOKIE = "relais_factures"
PATH = "/factures"
MAX_INVOICES = 10
MAX_CODE = 100


def read(value: str | None) -> dict[str, str]:
    """Codes by invoice id, most recently opened first."""
    codes: dict[str, str] = {}
    for pair in (value or "").split("&")[:MAX_INVOICES]:
        invoice_id, _, code = pair.partition(":")
        if invoice_id and code:
            codes.setdefault(unquote(invoice_id), unquote(code)[:MAX_CODE])
    return codes


def remember(codes: dict[str, str], *, invoice_id: str, code: str) -> dict[str, str]:
    rest = {k: v for k, v in codes.items() if k != invoice_id}
    return dict(list({invoice_id: code[:MAX_CODE], **rest}.items())[:MAX_INVOICES])


def write(codes: dict[str, str]) -> str:
    return "&".join(f"{quote(k, safe='')}:{quote(v, safe='')}" for k, v in codes.items())
