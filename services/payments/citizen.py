"""The citizen's side: their invoice (with its code), paying it, and the provider's callbacks
(browser return and server notification), which only trigger asking the provider."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Path, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.payments import checkout, invoices
from services.payments.context import Context
from services.payments.providers import DevProvider, ProviderUnavailable, State
from services.payments.schemas import InvoiceView, PaymentStart
from services.payments.views import invoice_view
from shared.problems import ProblemError

router = APIRouter(prefix="/v1", tags=["usager et prestataire"])
InvoiceId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
Code = Annotated[str, Query(min_length=1, max_length=100, description="Code de la facture")]
OperationId = Annotated[str, Query(alias="idOp", min_length=1, max_length=100)]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "Facture inconnue"}}
UNAVAILABLE = ProblemError(503, checkout.UNAVAILABLE, headers={"Retry-After": "10"})


@router.get(
    "/citizen/invoices/{invoice_id}",
    summary="Ma facture : à payer, payée ou en retard, et son reçu",
    responses=NOT_FOUND,
)
async def my_invoice(invoice_id: InvoiceId, code: Code, ctx: Context) -> InvoiceView:
    return invoice_view(await invoices.for_citizen(ctx, invoice_id=invoice_id, code=code))


@router.post(
    "/citizen/invoices/{invoice_id}/payments",
    summary="Payer : l'adresse de la page du prestataire (la même pour un paiement en cours)",
    responses=NOT_FOUND
    | {409: {"description": "Déjà payée"}, 503: {"description": "Prestataire indisponible"}},
)
async def pay(invoice_id: InvoiceId, code: Code, ctx: Context) -> PaymentStart:
    invoice = await invoices.for_citizen(ctx, invoice_id=invoice_id, code=code)
    try:
        attempt = await checkout.start(ctx, invoice=invoice)
    except ProviderUnavailable as exc:
        raise UNAVAILABLE from exc
    return PaymentStart(
        payment_id=attempt["_id"],
        redirect_url=attempt["redirect_url"],
        provider=attempt["provider"],
    )


async def _settle(ctx: Context, operation_id: str) -> str | None:
    """Ask the provider about the operation; the invoice it concerns, if any."""
    try:
        attempt = await checkout.settle_operation(ctx, operation_id=operation_id)
    except ProviderUnavailable as exc:
        raise UNAVAILABLE from exc
    return None if attempt is None else str(attempt["invoice_id"])


@router.get(
    "/payments/return",
    status_code=303,
    response_class=RedirectResponse,
    summary="Retour du navigateur après le paiement (le résultat est demandé au prestataire)",
    responses={404: {"description": "Opération inconnue"}},
)
async def browser_return(operation_id: OperationId, ctx: Context) -> RedirectResponse:
    invoice_id = await _settle(ctx, operation_id)
    if invoice_id is None:
        raise ProblemError(404, "Opération de paiement inconnue.")
    url = ctx.settings.citizen_return_url.replace("{invoice_id}", invoice_id)
    return RedirectResponse(url, status_code=303)


@router.post(
    "/payfip/notifications",
    status_code=204,
    response_class=Response,
    summary="Notification du prestataire (serveur à serveur) : déclenche la vérification",
)
async def notification(
    operation_id: Annotated[str, Form(alias="idOp", min_length=1, max_length=100)], ctx: Context
) -> Response:
    await _settle(ctx, operation_id)  # unknown operations are ignored: nothing to tell
    return Response(status_code=204)


DEV_PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Prestataire de développement</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>Prestataire de paiement de développement</h1>
<p>Aucun paiement réel : choisissez l'issue du paiement.</p>
<form method="post" action="{path}?result=paid"><button type="submit">Payer</button></form>
<form method="post" action="{path}?result=refused"><button type="submit">Refuser</button></form>
<form method="post" action="{path}?result=abandoned">
<button type="submit">Abandonner</button></form>
</main></body></html>
"""


@router.get(
    "/dev-provider/{operation_id}",
    response_class=HTMLResponse,
    summary="Prestataire de développement : la page (payer, refuser ou abandonner)",
)
async def dev_page(
    operation_id: Annotated[str, Path(max_length=100, pattern=r"^[A-Za-z0-9_-]+$")],
) -> HTMLResponse:
    return HTMLResponse(DEV_PAGE.format(path=f"/v1/dev-provider/{operation_id}"))


@router.post(
    "/dev-provider/{operation_id}",
    status_code=303,
    response_class=RedirectResponse,
    summary="Prestataire de développement : payer, refuser ou abandonner",
)
async def dev_decide(
    operation_id: Annotated[str, Path(max_length=100)],
    ctx: Context,
    result: Annotated[Literal["paid", "refused", "abandoned"], Query()],
) -> RedirectResponse:
    provider = ctx.provider
    if not isinstance(provider, DevProvider):
        raise ProblemError(404, "Le prestataire de développement n'est pas actif.")
    back = await provider.decide(operation_id, State(result))
    if back is None:
        raise ProblemError(404, "Opération inconnue ou déjà terminée.")
    await _settle(ctx, operation_id)  # what the real provider's notification would do
    return RedirectResponse(f"{back}?idOp={operation_id}", status_code=303)
