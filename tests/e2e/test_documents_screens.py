"""« Mes documents » in Debian's Chromium, by keyboard alone, axe-core on every page: the
magic link from the mail sink, a refused EICAR, an upload, download, sharing with a request
read by its department, withdrawal, renaming and deletion after confirmation."""

import email
import email.policy
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.auth import DEV_SECRET, Agent, issue_token
from tests.e2e.browser import assert_accessible, new_page, require_chromium, tab_to
from tests.e2e.conftest import Pipeline, drop_databases, start_pipeline
from tests.e2e.flow import REQUEST, routed_view
from tests.support import eventually
from tools.devstack import stop_services

SERVICES = ("portal", "routing", "tracking", "documents", "site", "mailsink")
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
EMAIL = "lea.petit@example.org"


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Pipeline]:
    require_chromium()
    running = await start_pipeline(tmp_path_factory.mktemp("documents"), names=SERVICES)
    yield running
    stop_services(running.handles)
    await drop_databases(running)


async def magic_link(mail_dir: Path, to: str) -> str:
    found: list[str] = []

    async def arrived() -> bool:
        for path in mail_dir.glob("*.eml"):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if message["To"] == to and "espace documents" in str(message["Subject"]):
                body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
                found.extend(re.findall(r"http://\S+/mes-documents/connexion\?jeton=\S+", body))
                return bool(found)
        return False

    await eventually(arrived, timeout=40, interval=0.2)
    return found[0]


async def press(page: Any, selector: str, key: str = "Enter") -> None:
    """Reach `selector` with Tab, then press `key` and wait for the next page."""
    await tab_to(page, selector, limit=80)
    async with page.expect_navigation():
        await page.keyboard.press(key)


async def type_into(page: Any, selector: str, text: str) -> None:
    await tab_to(page, selector, limit=80)
    await page.keyboard.type(text)


async def choose_file(page: Any, name: str, content: bytes) -> None:
    await tab_to(page, "#f-fichier")
    async with page.expect_file_chooser() as chooser:
        await page.keyboard.press("Space")
    await (await chooser.value).set_files(
        files=[{"name": name, "mimeType": "application/octet-stream", "buffer": content}]
    )


async def test_the_document_space_by_keyboard_alone(stack: Pipeline, browser: Any) -> None:
    site = stack.url("site")
    async with httpx.AsyncClient(timeout=30) as client:
        accepted = (await client.post(f"{stack.url('portal')}/v1/requests", json=REQUEST)).json()
        await routed_view(client, stack.url("tracking"), accepted)
    page = await new_page(browser)

    await page.goto(f"{site}/")
    await press(page, "nav a[href='/mes-documents']")
    await assert_accessible(page)
    await type_into(page, "#f-email", EMAIL)
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    await page.locator("#link-sent").wait_for()
    await assert_accessible(page)

    link = await magic_link(stack.mail_dir, EMAIL)
    await page.goto(link)
    assert "jeton" not in page.url  # the script took the token out of the address bar
    await assert_accessible(page)
    await press(page, "form[action='/mes-documents/connexion'] button")
    assert page.url == f"{site}/mes-documents"
    assert "aucun document" in await page.inner_text("#documents")
    await assert_accessible(page)

    await choose_file(page, "attestation.txt", EICAR)
    await press(page, "form[action='/mes-documents/depot'] button")
    assert "contient un virus" in await page.inner_text("#f-fichier-error")
    assert await page.evaluate("document.activeElement.id") == "erreurs"  # the summary
    await assert_accessible(page)
    await choose_file(page, "plan.pdf", PDF)
    await press(page, "form[action='/mes-documents/depot'] button")
    assert "bien été déposé" in await page.inner_text("[role=status]")
    row = await page.inner_text("#documents tbody tr")
    assert "plan.pdf" in row and "PDF" in row and "octets" in row
    await assert_accessible(page)

    download_link = "#documents a[download]"
    await tab_to(page, download_link)
    async with page.expect_download() as downloading:
        await page.keyboard.press("Enter")
    saved = await (await downloading.value).path()
    assert Path(saved).read_bytes() == PDF

    await press(page, "#documents tbody th a")
    document_url = page.url
    await assert_accessible(page)
    await type_into(page, "#f-reference", accepted["reference"])
    await type_into(page, "#f-code", accepted["tracking_token"])
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert "est partagé" in await page.inner_text("[role=status]")
    assert accepted["reference"] in await page.inner_text("#shares")
    await assert_accessible(page)

    voirie = "services_techniques"  # where routing sends REQUEST
    agent = Agent(agent_id="a-2", name="Paul Durand", department=voirie, roles=["agent"])
    token = issue_token(agent=agent, secret=DEV_SECRET)
    document_id = document_url.rsplit("/", 1)[1]
    content = (
        f"{stack.url('documents')}/v1/agent/requests/{accepted['id']}/documents/"
        f"{document_id}/content"
    )
    async with httpx.AsyncClient(timeout=30) as client:
        read = await client.get(content, headers={"authorization": f"Bearer {token}"})
        assert read.status_code == 200 and read.content == PDF
        await page.reload()
        assert "Consulté par le service" in await page.inner_text("#reads")
        await press(page, "#shares button")
        assert "partage est retiré" in await page.inner_text("[role=status]")
        again = await client.get(content, headers={"authorization": f"Bearer {token}"})
        assert again.status_code == 404
    await assert_accessible(page)

    await tab_to(page, "#f-nom")
    await page.keyboard.press("Control+A")
    await page.keyboard.type("plan du terrain.pdf")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert await page.inner_text("h1") == "plan du terrain.pdf"

    await press(page, "a[href$='/suppression']")
    await assert_accessible(page)
    await press(page, "form[action$='/suppression'] button")
    assert "supprimé" in await page.inner_text("[role=status]")
    assert "aucun document" in await page.inner_text("#documents")
