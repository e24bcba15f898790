"""The citizens' site's invoice pages against the real payments service (real broker and
store) paying through the fake PayFiP server: the link, the list, paying, refusal,
abandonment, a forged return, payments down."""

import html
from collections.abc import AsyncIterator, Iterator
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from services.site.app import build_app
from services.site.factures import NOT_CONFIRMED, NOT_FOUND
from services.site.settings import SiteSettings
from tests.conftest import KAFKA
from tests.integration.payments_support import Running, fake_payfip, running_payments
from tests.support import free_port, fresh_topics, serve_app

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def payfip() -> Iterator[str]:
    with fake_payfip() as url:
        yield url


@pytest.fixture(scope="module")
async def payments(payfip: str) -> AsyncIterator[Running]:
    """One payments service for the module (it takes seconds to start on a busy store)."""
    async with fresh_topics(KAFKA) as prefix, running_payments(prefix, payfip) as run:
        yield run


def site_settings(payments_url: str, payfip: str) -> SiteSettings:
    return SiteSettings(payments_url=payments_url, payment_page_origins=payfip, cookie_secure=False)


@pytest.fixture(scope="module")
async def site(payments: Running, payfip: str) -> AsyncIterator[httpx.AsyncClient]:
    app = build_app(site_settings(str(payments.http.base_url), payfip))
    async with serve_app(app) as base, httpx.AsyncClient(base_url=base, timeout=60) as client:
        yield client


async def open_link(site: httpx.AsyncClient, invoice: dict[str, Any]) -> httpx.Response:
    """The citizen follows the invoice's link: the code leaves the address at once."""
    link = urlsplit(invoice["citizen_url"])
    assert link.path == f"/factures/{invoice['invoice_id']}"
    answer = await site.get(f"{link.path}?{link.query}")
    assert answer.status_code == 303
    assert answer.headers["location"] == link.path
    assert answer.headers["cache-control"] == "no-store"
    return await site.get(link.path)


async def pay_on_payfip(
    site: httpx.AsyncClient, payments: Running, invoice: dict[str, Any], result: str
) -> httpx.Response:
    """Payer, the citizen's choice on PayFiP's page, then the browser's way back."""
    started = await site.post(f"/factures/{invoice['invoice_id']}/payer")
    assert started.status_code == 303, started.text
    back = await payments.citizen_on_payfip(started.headers["location"], result)
    returned = await payments.browser_returns(back)
    assert returned.status_code == 303
    path = urlsplit(returned.headers["location"]).path
    assert path == f"/factures/{invoice['invoice_id']}/retour"
    return await site.get(path)


async def test_the_link_opens_the_invoice_with_its_items_in_euros(
    site: httpx.AsyncClient, payments: Running
) -> None:
    invoice = await payments.issue()
    page = await open_link(site, invoice)
    assert page.status_code == 200
    assert invoice["citizen_code"] not in page.text
    for shown in ("Cantine scolaire novembre 2026", "À payer", "57,00\u00a0€", "3,45\u00a0€"):
        assert shown in page.text
    assert "41,40\u00a0€" in page.text  # 12 meals at 3,45 €
    listing = await site.get("/factures")
    assert invoice["reference"] in listing.text and "À payer" in listing.text


async def test_the_form_opens_an_invoice_and_refuses_a_wrong_code(
    site: httpx.AsyncClient, payments: Running
) -> None:
    invoice = await payments.issue()
    empty = await site.post("/factures", data={"invoice": "", "code": ""})
    assert empty.status_code == 422
    assert "Indiquez le numéro de la facture" in empty.text
    assert "Indiquez le code de paiement" in empty.text
    wrong = await site.post("/factures", data={"invoice": invoice["invoice_id"], "code": "faux"})
    assert wrong.status_code == 404 and NOT_FOUND in html.unescape(wrong.text)
    assert "Ouvrir une facture" in (await site.get(f"/factures/{invoice['invoice_id']}")).text
    right = {"invoice": invoice["invoice_id"], "code": invoice["citizen_code"]}
    opened = await site.post("/factures", data=right)
    assert opened.status_code == 303
    page = await site.get(opened.headers["location"])
    assert "À payer" in page.text and invoice["reference"] in page.text


async def test_an_overdue_invoice_says_so(site: httpx.AsyncClient, payments: Running) -> None:
    invoice = await payments.issue(due_date=(date.today() - timedelta(days=1)).isoformat())
    page = await open_link(site, invoice)
    assert "En retard" in page.text
    assert "En retard" in (await site.get("/factures")).text


async def test_paying_shows_the_confirmed_state_and_the_receipt(
    site: httpx.AsyncClient, payments: Running, payfip: str
) -> None:
    invoice = await payments.issue()
    page = await open_link(site, invoice)
    assert f"form-action 'self' {payfip}" in page.headers["content-security-policy"]
    back = await pay_on_payfip(site, payments, invoice, "P")
    assert back.status_code == 200
    assert "Paiement confirmé" in back.text and "Payée" in back.text
    receipt = (await payments.view(invoice))["receipt"]
    assert receipt["number"] in back.text
    assert 'id="pay"' not in back.text
    again = await site.post(f"/factures/{invoice['invoice_id']}/payer")
    assert again.status_code == 409 and "déjà payée" in again.text
    assert "Payée" in (await site.get("/factures")).text


@pytest.mark.parametrize("result", ["R", "A"])
async def test_refusal_and_abandonment_leave_it_to_pay(
    site: httpx.AsyncClient, payments: Running, result: str
) -> None:
    invoice = await payments.issue()
    await open_link(site, invoice)
    back = await pay_on_payfip(site, payments, invoice, result)
    assert NOT_CONFIRMED in html.unescape(back.text) and "À payer" in back.text
    assert 'id="pay"' in back.text
    assert (await payments.view(invoice))["status"] == "unpaid"


async def test_a_forged_return_shows_only_what_payments_says(
    site: httpx.AsyncClient, payments: Running
) -> None:
    invoice = await payments.issue()
    await open_link(site, invoice)
    started = await site.post(f"/factures/{invoice['invoice_id']}/payer")
    assert started.status_code == 303
    back = await site.get(f"/factures/{invoice['invoice_id']}/retour")  # no payment made
    assert "Paiement confirmé" not in back.text and "À payer" in back.text


async def test_payments_down_is_the_unavailable_page(payfip: str) -> None:
    app = build_app(site_settings(f"http://127.0.0.1:{free_port()}", payfip))
    async with serve_app(app) as base, httpx.AsyncClient(base_url=base) as client:
        opened = await client.post("/factures", data={"invoice": "abc123", "code": "x"})
        assert opened.status_code == 503
        assert "momentanément indisponible" in opened.text
