"""The citizens' invoices in Debian's Chromium: the site and the payments service as processes
(development provider). A citizen opens their invoice from its link, pays it with the
keyboard alone, sees it paid with its receipt; a refused payment leaves it to pay. axe-core
reports zero violations on every page visited."""

from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from services.payments.settings import DEV_BILLING_KEY
from tests.e2e.browser import assert_accessible, new_page, require_chromium, tab_to
from tests.e2e.conftest import Pipeline, drop_databases, start_pipeline
from tools.devstack import stop_services

SERVICES = ("payments", "site")
PAYMENTS_ENV = {
    "PROVIDER": "dev",
    "PUBLIC_URL": "$PAYMENTS_URL",
    "CITIZEN_RETURN_URL": "$SITE_URL/factures/{invoice_id}/retour",
    "CITIZEN_INVOICE_URL": "$SITE_URL/factures/{invoice_id}?code={code}",
}


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Pipeline]:
    require_chromium()
    running = await start_pipeline(
        tmp_path_factory.mktemp("invoices"), names=SERVICES, extra_env=PAYMENTS_ENV
    )
    yield running
    stop_services(running.handles)
    await drop_databases(running)


async def issue(stack: Pipeline, label: str) -> dict[str, Any]:
    body = {
        "issuer": "regie-cantine",
        "reference": f"CANT-{label.upper()}",
        "label": f"Cantine scolaire {label}",
        "contact": {"name": "Camille Martin", "email": "camille@example.org"},
        "items": [
            {"label": "Repas", "quantity": 10, "unit_amount_cents": 345},
            {"label": "Garderie", "quantity": 1, "unit_amount_cents": 800},
        ],
        "amount_cents": 4250,
        "due_date": (date.today() + timedelta(days=20)).isoformat(),
    }
    async with httpx.AsyncClient(base_url=stack.url("payments"), timeout=30) as http:
        answer = await http.post("/v1/invoices", json=body, headers={"X-Api-Key": DEV_BILLING_KEY})
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


async def open_link(page: Any, invoice: dict[str, Any]) -> None:
    await page.goto(invoice["citizen_url"])
    assert page.url.endswith(f"/factures/{invoice['invoice_id']}")  # the code left the address
    assert await page.inner_text("#invoice-status") == "À payer"
    assert await page.inner_text("#invoice-amount") == "42,50\u00a0€"
    await assert_accessible(page)


async def press_enter(page: Any) -> None:
    async with page.expect_navigation():
        await page.keyboard.press("Enter")


async def test_a_citizen_pays_an_invoice_by_keyboard_and_sees_the_receipt(
    stack: Pipeline, browser: Any
) -> None:
    invoice = await issue(stack, "novembre")
    page = await new_page(browser)
    await open_link(page, invoice)
    await tab_to(page, "#pay")
    await press_enter(page)
    assert page.url.startswith(f"{stack.url('payments')}/v1/dev-provider/")
    await assert_accessible(page)
    await tab_to(page, "form[action$='result=paid'] button")
    await press_enter(page)
    await page.wait_for_url(f"**/factures/{invoice['invoice_id']}/retour")
    assert "Paiement confirmé" in await page.inner_text("main")
    assert await page.inner_text("#invoice-status") == "Payée"
    assert (await page.inner_text("#receipt-number")).startswith(invoice["reference"])
    assert await page.locator("#pay").count() == 0
    await assert_accessible(page)
    await page.goto(f"{stack.url('site')}/factures")
    assert "Payée" in await page.inner_text("#invoices")
    await assert_accessible(page)


async def test_a_refused_payment_leaves_the_invoice_to_pay(stack: Pipeline, browser: Any) -> None:
    invoice = await issue(stack, "decembre")
    page = await new_page(browser)
    await open_link(page, invoice)
    await page.click("#pay")
    await page.click("form[action$='result=refused'] button")
    await page.wait_for_url(f"**/factures/{invoice['invoice_id']}/retour")
    assert "Le paiement n'a pas abouti" in await page.inner_text("main")
    assert await page.inner_text("#invoice-status") == "À payer"
    await assert_accessible(page)


async def test_the_invoices_form_shows_its_errors_accessibly(stack: Pipeline, browser: Any) -> None:
    page = await new_page(browser)
    await page.goto(f"{stack.url('site')}/factures")
    await assert_accessible(page)
    await page.fill("#f-invoice", "inconnue")
    await page.fill("#f-code", "faux")
    await page.click("form[action='/factures'] button")
    assert "Aucune facture ne correspond" in await page.inner_text("#f-code-error")
    described = await page.get_attribute("#f-code", "aria-describedby")
    assert "f-code-error" in (described or "")
    await assert_accessible(page)
