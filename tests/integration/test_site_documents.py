"""« Mes documents » on the citizens' site, over a real documents service (real broker and
store): magic link, session cookie, checked uploads with the API's French refusals,
download, rename, share and withdraw (reads shown), delete after confirmation."""

import html
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from services.site.app import build_app
from services.site.settings import SiteSettings
from shared.kafka.producer import EventPublisher
from tests.factories import TOKEN
from tests.integration.documents_support import (
    EICAR,
    EXE,
    PDF,
    Running,
    agent_auth,
    link_token,
    publish_request,
    running_documents,
)
from tests.support import free_port, serve_app

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def shown(response: httpx.Response) -> str:
    """The page's text as the citizen reads it (apostrophes are escaped in the HTML)."""
    return html.unescape(response.text)


@dataclass
class Browser:
    http: httpx.AsyncClient
    docs: Running

    async def csrf(self, path: str = "/mes-documents") -> str:
        page = await self.http.get(path)
        assert page.status_code == 200, page.text
        found = CSRF.search(page.text)
        assert found, page.text
        return found.group(1)

    async def post(self, path: str, data: dict[str, str], **kwargs: object) -> httpx.Response:
        data = {"csrf": await self.csrf()} | data
        return await self.http.post(path, data=data, **kwargs)  # type: ignore[arg-type]

    async def log_in(self, email: str = "camille@example.org") -> None:
        sent = await self.post("/mes-documents/lien", {"email": email})
        assert sent.status_code == 200 and "valable 15 minutes" in shown(sent)
        token = link_token(self.docs.links.sent[-1][1])
        opened = await self.post("/mes-documents/connexion", {"jeton": token})
        assert opened.status_code == 303 and opened.headers["location"] == "/mes-documents"

    async def upload(self, content: bytes, name: str, kept: str = "own") -> httpx.Response:
        return await self.post(
            "/mes-documents/depot",
            {"conservation": kept},
            files={"fichier": (name, content, "application/octet-stream")},
        )

    async def only_document(self) -> str:
        page = await self.http.get("/mes-documents")
        ids = re.findall(r'href="/mes-documents/([0-9a-f]{32})"', page.text)
        assert len(ids) == 1, page.text
        return ids[0]


def site_settings(documents_url: str) -> SiteSettings:
    return SiteSettings(documents_url=documents_url, cookie_secure=False)


@pytest.fixture
async def browser(topic_prefix: str) -> AsyncIterator[Browser]:
    async with (
        running_documents(topic_prefix, max_upload_bytes=64 * 1024) as docs,
        serve_app(build_app(site_settings(str(docs.http.base_url)))) as site,
        httpx.AsyncClient(base_url=site, timeout=60) as http,
    ):
        yield Browser(http=http, docs=docs)


async def test_the_link_opens_the_space_once_and_forms_need_their_token(browser: Browser) -> None:
    door = await browser.http.get("/mes-documents")
    assert "Recevoir mon lien d'accès" in shown(door)
    forged = await browser.http.post("/mes-documents/lien", data={"email": "x@example.org"})
    assert forged.status_code == 403 and browser.docs.links.sent == []
    empty = await browser.post("/mes-documents/lien", {"email": ""})
    assert empty.status_code == 422 and 'id="f-email-error"' in shown(empty)
    wrong = await browser.post("/mes-documents/lien", {"email": "camille"})
    assert wrong.status_code == 422 and "Adresse électronique invalide." in shown(wrong)

    assert (
        await browser.post("/mes-documents/lien", {"email": "a@example.org"})
    ).status_code == 200
    link = browser.docs.links.sent[-1][1]
    assert "/mes-documents/connexion?jeton=" in link
    token = link_token(link)
    landing = await browser.http.get(f"/mes-documents/connexion?jeton={token}")
    assert landing.status_code == 200 and f'value="{token}"' in shown(landing)
    assert landing.headers["referrer-policy"] == "no-referrer"
    assert landing.headers["cache-control"] == "no-store"
    # Opening the page did not spend the link: its button does.
    opened = await browser.post("/mes-documents/connexion", {"jeton": token})
    assert opened.status_code == 303
    cookie = opened.headers["set-cookie"]
    assert (
        "relais_documents=" in cookie and "HttpOnly" in cookie and "Path=/mes-documents" in cookie
    )
    space = await browser.http.get("/mes-documents")
    assert "Vous n'avez encore déposé aucun document." in shown(space)
    again = await browser.post("/mes-documents/connexion", {"jeton": token})
    assert again.status_code == 400 and "déjà servi" in shown(again)

    out = await browser.post("/mes-documents/deconnexion", {})
    assert out.status_code == 303
    assert "Recevoir mon lien d'accès" in shown(await browser.http.get("/mes-documents"))


async def test_refused_uploads_show_the_french_reason_and_nothing_is_kept(
    browser: Browser,
) -> None:
    await browser.log_in()
    virus = await browser.upload(EICAR, "attestation.txt")
    assert virus.status_code == 422
    assert 'id="f-fichier-error"' in shown(virus) and "contient un virus" in shown(virus)
    exe = await browser.upload(EXE, "justificatif.pdf")
    assert exe.status_code == 422 and "n'est pas d'un type accepté" in shown(exe)
    big = await browser.upload(PDF + b"\0" * 70_000, "gros.pdf")
    assert big.status_code == 422 and "dépasse la taille maximale" in shown(big)
    nothing = await browser.post("/mes-documents/depot", {})
    assert nothing.status_code == 422 and "Choisissez le fichier" in shown(nothing)
    assert "aucun document" in shown(await browser.http.get("/mes-documents"))


async def test_upload_download_rename_share_read_withdraw_delete(
    browser: Browser, publisher: EventPublisher
) -> None:
    request = await publish_request(publisher, browser.docs)
    await browser.log_in()
    uploaded = await browser.upload(PDF, "C:\\Mes papiers\\facture.exe", kept="demande")
    assert uploaded.status_code == 303 and uploaded.headers["location"].endswith("fait=depot")
    listed = await browser.http.get(uploaded.headers["location"])
    assert "bien été déposé" in shown(listed)
    assert "facture.exe" in shown(listed) and "PDF" in shown(listed) and "octets" in shown(listed)
    doc_id = await browser.only_document()
    page = f"/mes-documents/{doc_id}"

    file = await browser.http.get(f"{page}/fichier")
    assert file.content == PDF and file.headers["content-type"] == "application/pdf"
    assert file.headers["content-disposition"].startswith("attachment")

    renamed = await browser.post(f"{page}/nom", {"nom": "facture 2026.pdf"})
    assert renamed.status_code == 303
    assert "<h1>facture 2026.pdf</h1>" in shown(await browser.http.get(page))
    blank = await browser.post(f"{page}/nom", {"nom": "  "})
    assert blank.status_code == 422 and 'id="f-nom-error"' in shown(blank)

    wrong = await browser.post(f"{page}/partages", {"reference": request.reference, "code": "x"})
    assert wrong.status_code == 422 and "Aucune demande ne correspond" in shown(wrong)
    assert 'id="f-code-error"' in shown(wrong)
    shared = await browser.post(
        f"{page}/partages", {"reference": request.reference.lower(), "code": TOKEN}
    )
    assert shared.status_code == 303
    content = f"/v1/agent/requests/{request.request_id}/documents/{doc_id}/content"
    read = await browser.docs.http.get(content, headers=agent_auth("urbanisme"))
    assert read.status_code == 200
    details = shown(await browser.http.get(page))
    assert "Consulté par le service Urbanisme le " in details
    assert "Consulté par le service Urbanisme le " in shown(
        await browser.http.get("/mes-documents")
    )
    share_id = re.search(r"/partages/([0-9a-f]{32})/retrait", details)
    assert share_id, details
    withdrawn = await browser.post(f"{page}/partages/{share_id.group(1)}/retrait", {})
    assert withdrawn.status_code == 303
    gone = await browser.docs.http.get(content, headers=agent_auth("urbanisme"))
    assert gone.status_code == 404
    assert "Partages retirés" in shown(await browser.http.get(page))

    confirm = await browser.http.get(f"{page}/suppression")
    assert "Oui, supprimer ce document" in shown(confirm)
    deleted = await browser.post(f"{page}/suppression", {})
    assert deleted.status_code == 303 and deleted.headers["location"].endswith("fait=suppression")
    assert (await browser.http.get(page)).status_code == 404
    assert "aucun document" in shown(await browser.http.get("/mes-documents"))


async def test_a_refused_session_goes_back_to_the_door(browser: Browser) -> None:
    browser.http.cookies.set(
        "relais_documents", "pas-une-session", domain="127.0.0.1", path="/mes-documents"
    )
    answer = await browser.http.get("/mes-documents")
    assert answer.status_code == 303 and answer.headers["location"].endswith("session=expiree")
    door = await browser.http.get(answer.headers["location"])
    assert "Votre session a expiré" in shown(door)
    assert "relais_documents" not in browser.http.cookies


async def test_documents_down_shows_the_unavailable_page() -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    async with (
        serve_app(build_app(site_settings(closed))) as site,
        httpx.AsyncClient(base_url=site, timeout=30) as http,
    ):
        http.cookies.set("relais_documents", "une-session", path="/mes-documents")
        answer = await http.get("/mes-documents")
        assert answer.status_code == 503
        assert "Service momentanément indisponible" in shown(answer)
