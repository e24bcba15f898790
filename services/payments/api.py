"""The billing software's and the agents' API: issue invoices, list them, record refunds."""

import hmac
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Header, Path, Query

from services.payments import invoices
from services.payments.context import Context
from services.payments.invoices import INVOICES, PAYMENT_ATTEMPTS
from services.payments.schemas import InvoiceInput, InvoicePage, InvoiceView, IssuedInvoice, Refund
from services.payments.views import invoice_view
from shared.auth import CurrentAgent
from shared.events.payments import PaymentRefunded
from shared.kafka.topics import PAYMENTS
from shared.problems import ProblemError

router = APIRouter(prefix="/v1", tags=["facturation et agents"])
InvoiceId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
AGENTS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Jeton d'agent absent, invalide ou expiré"},
    404: {"description": "Facture inconnue"},
}
MANAGERS = {"admin", "supervisor"}


def _billing(ctx: Context, key: str | None) -> None:
    keys = [k.strip() for k in ctx.settings.billing_api_keys.split(",") if k.strip()]
    if not key or not any(hmac.compare_digest(key, k) for k in keys):
        raise ProblemError(401, "Clé du logiciel de facturation absente ou invalide (X-Api-Key).")


@router.post(
    "/invoices",
    status_code=201,
    summary="Émettre une facture (logiciel de facturation)",
    responses={
        401: {"description": "Clé absente ou invalide"},
        409: {"description": "Référence déjà utilisée pour une autre facture"},
    },
)
async def issue_invoice(
    body: InvoiceInput,
    ctx: Context,
    api_key: Annotated[str | None, Header(alias="X-Api-Key", max_length=200)] = None,
) -> IssuedInvoice:
    _billing(ctx, api_key)
    doc, code = await invoices.issue(ctx, body=body)
    url = None
    if code is not None:
        link = ctx.settings.citizen_invoice_url.replace("{invoice_id}", doc["_id"])
        url = link.replace("{code}", quote(code, safe=""))
    return IssuedInvoice(**invoice_view(doc).model_dump(), citizen_code=code, citizen_url=url)


@router.get(
    "/invoices", summary="Lister les factures (les plus récentes d'abord)", responses=AGENTS
)
async def list_invoices(
    _agent: CurrentAgent,
    ctx: Context,
    status: Annotated[
        Literal["unpaid", "due", "overdue", "paid", "refunded"] | None,
        Query(description="unpaid = due (à payer) + overdue (en retard)"),
    ] = None,
    limit: Annotated[int, Query(ge=1)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> InvoicePage:
    if limit > ctx.settings.max_page_size:
        raise ProblemError(422, f"« limit » ne peut dépasser {ctx.settings.max_page_size}.")
    docs, total = await invoices.listing(ctx, status=status, limit=limit, offset=offset)
    return InvoicePage(
        items=[invoice_view(d) for d in docs], total=total, limit=limit, offset=offset
    )


@router.get("/invoices/{invoice_id}", summary="Une facture", responses=AGENTS)
async def get_invoice(invoice_id: InvoiceId, _agent: CurrentAgent, ctx: Context) -> InvoiceView:
    doc = await ctx.db[INVOICES].find_one({"_id": invoice_id})
    if doc is None:
        raise ProblemError(404, "Aucune facture ne porte cet identifiant.")
    return invoice_view(doc)


@router.post(
    "/invoices/{invoice_id}/refund",
    summary="Enregistrer un remboursement fait auprès du prestataire (responsables)",
    responses=AGENTS
    | {403: {"description": "Rôle insuffisant"}, 409: {"description": "Facture non payée"}},
)
async def refund(
    invoice_id: InvoiceId, body: Refund, agent: CurrentAgent, ctx: Context
) -> InvoiceView:
    if not MANAGERS & set(agent.roles):
        raise ProblemError(403, "Seul un responsable peut enregistrer un remboursement.")
    doc = await ctx.db[INVOICES].find_one({"_id": invoice_id})
    if doc is None:
        raise ProblemError(404, "Aucune facture ne porte cet identifiant.")
    if doc["status"] != "paid":
        raise ProblemError(409, "Seule une facture payée peut être remboursée.")
    payment_id = doc["receipt"]["payment_id"]
    event = PaymentRefunded(
        invoice_id=invoice_id,
        payment_id=payment_id,
        amount_cents=doc["amount_cents"],
        actor=agent.agent_id,
        refunded_at=datetime.now(UTC),
    )
    await ctx.outbox.add(event, topic=ctx.topic(PAYMENTS), event_id=f"{payment_id}:refunded")
    await ctx.db[INVOICES].update_one(
        {"_id": invoice_id, "status": "paid"},
        {"$set": {"status": "refunded", "refund_reason": body.reason}},
    )
    await ctx.db[PAYMENT_ATTEMPTS].update_one({"_id": payment_id}, {"$set": {"refunded": True}})
    await ctx.outbox.flush()
    return invoice_view(doc | {"status": "refunded"})
