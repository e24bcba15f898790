"""The request's files and invoices in the agents' console, in Debian's Chromium: an agent
opens a request with a document the citizen shared and an attachment, downloads both (by
mouse, then by keyboard alone), sees the linked invoice and the « Factures » page; the citizen
sees the read; another department sees nothing; axe-core finds no violation."""

import email
import email.policy
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.payments.settings import DEV_BILLING_KEY
from tests.e2e.browser import PNG, assert_accessible, login, new_page, require_chromium, tab_to
from tests.e2e.conftest import Pipeline, drop_databases, start_pipeline
from tests.e2e.flow import AGENT_TOKEN, REQUEST, routed_view
from tests.integration.documents_support import link_token
from tests.integration.payments_support import invoice_body
from tests.support import eventually
from tools.devstack import stop_services

NAMES = ("portal", "routing", "tracking", "documents", "payments", "console", "mailsink")
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Pipeline]:
    require_chromium()
    running = await start_pipeline(tmp_path_factory.mktemp("consfiles"), names=NAMES)
    yield running
    stop_services(running.handles)
    await drop_databases(running)


async def citizen_session(
    http: httpx.AsyncClient, documents: str, mail_dir: Path, email_address: str
) -> str:
    """The citizen's bearer token, through the magic link the dev mail sink received."""
    sent = await http.post(f"{documents}/v1/citizen/magic-links", json={"email": email_address})
    assert sent.status_code == 202, sent.text
    links: list[str] = []

    async def arrived() -> bool:
        for path in mail_dir.glob("*.eml"):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if message["To"] != email_address:
                continue
            words = str(message.get_content()).split()
            links.extend(w for w in words if "jeton=" in w or "/mes-documents" in w)
        return bool(links)

    await eventually(arrived, timeout=30, interval=0.2)
    session = await http.post(
        f"{documents}/v1/citizen/sessions", json={"token": link_token(links[-1])}
    )
    assert session.status_code == 200, session.text
    return str(session.json()["access_token"])


async def file_share_and_bill(stack: Pipeline) -> dict[str, Any]:
    """A portal request with a photo, routed; the citizen shares a PDF; an invoice names it."""
    documents, payments = stack.url("documents"), stack.url("payments")
    email_address = f"camille.{uuid.uuid4().hex[:8]}@example.org"
    body = REQUEST | {"citizen": {"email": email_address, "name": "Camille Martin"}}
    async with httpx.AsyncClient(timeout=30) as http:
        filed = await http.post(
            f"{stack.url('portal')}/v1/forms/demande_generale",
            data={"data": json.dumps(body)},
            files=[("files", ("trou.png", PNG, "image/png"))],
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        assert filed.status_code == 202, filed.text
        accepted = filed.json()
        await routed_view(http, stack.url("tracking"), accepted)

        token = await citizen_session(http, documents, stack.mail_dir, email_address)
        auth = {"authorization": f"Bearer {token}"}
        uploaded = await http.post(
            f"{documents}/v1/citizen/documents",
            params={"filename": "justificatif domicile.pdf"},
            content=PDF,
            headers=auth | {"content-type": "application/octet-stream"},
        )
        assert uploaded.status_code == 201, uploaded.text
        document_id = uploaded.json()["document_id"]
        share = {"reference": accepted["reference"], "tracking_token": accepted["tracking_token"]}

        async def shared() -> bool:  # documents learns of the request from the bus
            answer = await http.post(
                f"{documents}/v1/citizen/documents/{document_id}/shares", json=share, headers=auth
            )
            return answer.status_code == 201

        await eventually(shared, timeout=30, interval=0.3)
        invoice = invoice_body(request_reference=accepted["reference"])
        issued: list[dict[str, Any]] = []

        async def billed() -> bool:  # payments learns of the reference from the bus
            answer = await http.post(
                f"{payments}/v1/invoices", json=invoice, headers={"X-Api-Key": DEV_BILLING_KEY}
            )
            issued.extend([answer.json()] if answer.status_code == 201 else [])
            return bool(issued)

        await eventually(billed, timeout=30, interval=0.3)
        agent = {"authorization": f"Bearer {AGENT_TOKEN}"}

        async def on_timeline_with_attachment() -> bool:
            detail = await http.get(
                f"{stack.url('tracking')}/v1/requests/{accepted['id']}", headers=agent
            )
            kinds = [e["kind"] for e in detail.json().get("timeline", [])]
            files = await http.get(
                f"{documents}/v1/agent/requests/{accepted['id']}/documents", headers=agent
            )
            found = [f["kind"] for f in files.json()] if files.status_code == 200 else []
            return "invoice_issued" in kinds and sorted(found) == ["attachment", "document"]

        await eventually(on_timeline_with_attachment, timeout=30, interval=0.3)
    return accepted | {"auth": auth, "document_id": document_id, "invoice": issued[0]}


async def downloaded(page: Any, action: Any) -> bytes:
    async with page.expect_download() as info:
        await action()
    return Path(await (await info.value).path()).read_bytes()


async def test_an_agent_downloads_the_shared_document_and_attachment_and_sees_the_invoice(
    stack: Pipeline, browser: Any
) -> None:
    filed = await file_share_and_bill(stack)
    console = stack.url("console")
    page = await new_page(browser)
    await login(page, console, name="Julie Moreau", department="services_techniques")
    await page.goto(f"{console}/demandes/{filed['id']}")
    await assert_accessible(page)
    files = await page.inner_text("#request-files")
    assert "la consultation est enregistrée et visible par l'usager" in files
    invoices = await page.inner_text("#request-invoices")
    reference = filed["invoice"]["reference"]
    assert reference in invoices and "à payer" in invoices

    document = "#shared-documents a"
    assert await downloaded(page, lambda: page.click(document)) == PDF
    await tab_to(page, "#attachments a")  # the keyboard alone is enough

    async def enter() -> None:
        await page.keyboard.press("Enter")

    assert await downloaded(page, enter) == PNG

    async with httpx.AsyncClient(timeout=10) as http:
        mine = await http.get(
            f"{stack.url('documents')}/v1/citizen/documents", headers=filed["auth"]
        )
    [doc] = [d for d in mine.json()["items"] if d["document_id"] == filed["document_id"]]
    assert [r["text"].startswith("consulté par le service") for r in doc["reads"]] == [True]

    await page.click("nav a[href='/factures']")
    await assert_accessible(page)
    await page.select_option("#f-state", "a_payer")
    await page.click("form[action='/factures'] button")
    assert "etat=a_payer" in page.url
    row = page.locator("#invoices tbody tr", has_text=reference)
    assert "à payer" in await row.inner_text()
    await assert_accessible(page)
    await page.goto(f"{console}/factures?etat=payee")
    assert reference not in await page.inner_text("#invoices")


async def test_an_agent_of_another_department_sees_neither_the_request_nor_its_files(
    stack: Pipeline, browser: Any
) -> None:
    filed = await file_share_and_bill(stack)
    console = stack.url("console")
    page = await new_page(browser)
    await login(page, console, name="Ugo Urba", department="urbanisme", axe=False)
    response = await page.goto(f"{console}/demandes/{filed['id']}")
    # Tracking answers another department's request exactly like an unknown one.
    assert response.status == 404
    assert "Demande introuvable" in await page.inner_text("main")
    await assert_accessible(page)
    direct = await page.request.get(
        f"{console}/demandes/{filed['id']}/documents/{filed['document_id']}"
    )
    assert direct.status == 404 and "pas accessible" in await direct.text()
    async with httpx.AsyncClient(timeout=10) as http:
        mine = await http.get(
            f"{stack.url('documents')}/v1/citizen/documents", headers=filed["auth"]
        )
    [doc] = [d for d in mine.json()["items"] if d["document_id"] == filed["document_id"]]
    assert doc["reads"] == []
