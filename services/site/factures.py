"""« Mes factures » : the town's invoices, paid online through the payments service.

A citizen opens an invoice with its link (`/factures/{id}?code=...`, from the billing
software) or by typing its number and code. The code then lives in a cookie of this browser
(`wallet.py`) and leaves the address at once (a redirect, no script needed). « Payer » asks
payments for the provider's page and sends the browser there; the provider's return comes
back through payments, which asks the provider for the outcome before redirecting here: the
return page shows only what payments then says.
"""

from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from services.site import wallet
from services.site.context import Site, SiteDep
from services.site.formdata import read_form
from services.site.upstream import UpstreamDown
from shared.money import euros
from shared.web.pages import CSP

router = APIRouter(include_in_schema=False)
InvoiceId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
CodeQuery = Annotated[str | None, Query(max_length=wallet.MAX_CODE)]
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
NOT_FOUND = "Aucune facture ne correspond à ce numéro et à ce code."
NOT_CONFIRMED = (
    "Le paiement n'a pas abouti : il a été refusé ou abandonné. Aucune somme n'a été "
    "encaissée ; la facture reste à payer et vous pouvez réessayer."
)
PAID_NOW = (
    "Paiement confirmé. Merci ! Votre reçu figure ci-dessous et vous est envoyé par courriel."
)


def _codes(request: Request) -> dict[str, str]:
    return wallet.read(request.cookies.get(wallet.COOKIE))


def _keep(response: Response, site: Site, codes: dict[str, str]) -> Response:
    response.set_cookie(
        wallet.COOKIE,
        wallet.write(codes),
        path=wallet.PATH,
        httponly=True,
        secure=site.settings.cookie_secure,
        samesite="lax",
    )
    response.headers.update(PRIVATE)
    return response


def _payment_csp(site: Site) -> str:
    """The page's CSP, its forms allowed to go to the provider's page (through a redirect)."""
    origins = site.settings.payment_page_origins.split()
    if not origins:
        parts = urlsplit(site.settings.payments_url)
        origins = [f"{parts.scheme}://{parts.netloc}"]
    return CSP.replace("form-action 'self'", f"form-action 'self' {' '.join(origins)}")


def _view(body: dict[str, Any]) -> dict[str, Any]:
    """The invoice with its amounts written in euros."""
    items = [
        item
        | {
            "unit": euros(item["unit_amount_cents"]),
            "total": euros(item["quantity"] * item["unit_amount_cents"]),
        }
        for item in body.get("items", [])
    ]
    receipt = body.get("receipt")
    if receipt:
        receipt = receipt | {"amount": euros(receipt["amount_cents"])}
    return body | {"items": items, "amount": euros(body["amount_cents"]), "receipt": receipt}


async def _opened(site: Site, codes: dict[str, str]) -> list[dict[str, Any]]:
    """The invoices this browser opened, as payments shows them now."""
    found = []
    for invoice_id, code in codes.items():
        answer = await site.upstream.invoice(invoice_id=invoice_id, code=code)
        if answer.status == 200:
            found.append(_view(answer.body))
    return found


async def _list(
    request: Request,
    site: Site,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    try:
        invoices = await _opened(site, _codes(request))
    except UpstreamDown:
        return site.unavailable(request)
    page = site.render(
        request,
        "invoices.html",
        status_code=status_code,
        invoices=invoices,
        values=values or {},
        errors=errors or {},
    )
    page.headers.update(PRIVATE)
    return page


@router.get("/factures")
async def my_invoices(request: Request, site: SiteDep) -> Response:
    """The invoices opened in this browser, and the form to open another one."""
    return await _list(request, site)


@router.post("/factures")
async def open_invoice(request: Request, site: SiteDep) -> Response:
    values, _ = await read_form(request)
    invoice_id = values.get("invoice", "").strip()[:64]
    code = values.get("code", "").strip()[: wallet.MAX_CODE]
    errors = {}
    if not invoice_id:
        errors["invoice"] = "Indiquez le numéro de la facture (exemple : 3f2a9c…)."
    if not code:
        errors["code"] = "Indiquez le code de paiement reçu avec votre facture."
    values = {"invoice": invoice_id}
    if errors:
        return await _list(request, site, values=values, errors=errors, status_code=422)
    try:
        answer = await site.upstream.invoice(invoice_id=invoice_id, code=code)
    except UpstreamDown:
        return site.unavailable(request)
    if answer.status != 200:
        errors = {"code": NOT_FOUND}
        return await _list(request, site, values=values, errors=errors, status_code=404)
    codes = wallet.remember(_codes(request), invoice_id=invoice_id, code=code)
    return _keep(RedirectResponse(f"/factures/{invoice_id}", 303), site, codes)


@router.post("/factures/oublier")
async def forget(site: SiteDep) -> Response:
    """Forget every invoice on this browser (a shared computer)."""
    response = RedirectResponse("/factures", 303)
    response.delete_cookie(wallet.COOKIE, path=wallet.PATH)
    return response


@router.get("/factures/{invoice_id}")
async def invoice_page(
    invoice_id: InvoiceId, request: Request, site: SiteDep, code: CodeQuery = None
) -> Response:
    """The citizen's link: the code is kept in the cookie and leaves the address."""
    if code:
        codes = wallet.remember(_codes(request), invoice_id=invoice_id, code=code.strip())
        return _keep(RedirectResponse(f"/factures/{invoice_id}", 303), site, codes)
    return await _invoice(request, site, invoice_id=invoice_id)


async def _invoice(
    request: Request,
    site: Site,
    *,
    invoice_id: str,
    flash: dict[str, str] | None = None,
    returned: bool = False,
    status_code: int = 200,
) -> Response:
    code = _codes(request).get(invoice_id)
    if code is None:
        return await _list(request, site, values={"invoice": invoice_id})
    try:
        answer = await site.upstream.invoice(invoice_id=invoice_id, code=code)
    except UpstreamDown:
        return site.unavailable(request)
    if answer.status != 200:
        errors = {"code": NOT_FOUND}
        values = {"invoice": invoice_id}
        return await _list(request, site, values=values, errors=errors, status_code=404)
    invoice = _view(answer.body)
    if returned:
        paid = invoice["status"] != "unpaid"
        flash = (
            {"kind": "success", "text": PAID_NOW}
            if paid
            else {
                "kind": "error",
                "text": NOT_CONFIRMED,
            }
        )
    page = site.render(
        request, "invoice.html", status_code=status_code, invoice=invoice, flash=flash
    )
    page.headers.update(PRIVATE)
    page.headers["Content-Security-Policy"] = _payment_csp(site)
    return page


@router.post("/factures/{invoice_id}/payer")
async def pay(invoice_id: InvoiceId, request: Request, site: SiteDep) -> Response:
    """Start (or resume) the payment and send the browser to the provider's page."""
    code = _codes(request).get(invoice_id)
    if code is None:
        return await _list(request, site, values={"invoice": invoice_id})
    try:
        answer = await site.upstream.start_payment(invoice_id=invoice_id, code=code)
    except UpstreamDown:
        return site.unavailable(request)
    if answer.status == 200:
        return RedirectResponse(str(answer.body["redirect_url"]), 303)
    if answer.status == 404:
        values, errors = {"invoice": invoice_id}, {"code": NOT_FOUND}
        return await _list(request, site, values=values, errors=errors, status_code=404)
    flash = {"kind": "error", "text": answer.detail}  # already paid, or a payment in progress
    return await _invoice(request, site, invoice_id=invoice_id, flash=flash, status_code=409)


@router.get("/factures/{invoice_id}/retour")
async def payment_return(invoice_id: InvoiceId, request: Request, site: SiteDep) -> Response:
    """Where payments sends the browser back, once it has asked the provider."""
    return await _invoice(request, site, invoice_id=invoice_id, returned=True)
