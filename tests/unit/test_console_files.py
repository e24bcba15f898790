"""The request's documents, attachments and invoices, and the « Factures » page, against fake
documents and payments APIs (httpx MockTransport)."""

import httpx

from services.console.wording import euros
from shared.auth import DEV_SECRET, verify_token
from tests.unit.test_console_pages import DETAIL, FakeTracking, logged_in

FILES = [
    {
        "kind": "document",
        "id": "doc1",
        "filename": "avis-imposition.pdf",
        "content_type": "application/pdf",
        "size": 1200,
        "shared_at": "2026-12-02T10:00:00Z",
        "content_url": "/v1/agent/requests/r1/documents/doc1/content",
    },
    {
        "kind": "attachment",
        "id": "att1",
        "filename": "trou.png",
        "content_type": "image/png",
        "size": 300,
        "shared_at": None,
        "content_url": "/v1/agent/requests/r1/attachments/att1/content",
    },
]
INVOICE = {
    "invoice_id": "inv1",
    "issuer": "regie-cantine",
    "reference": "CANT-0001",
    "label": "Cantine scolaire novembre 2026",
    "items": [],
    "amount_cents": 123456,
    "due_date": "2026-12-31",
    "status": "unpaid",
    "status_label": "à payer",
    "request_reference": "2026-P000001",
    "issued_at": "2026-12-02T09:30:00Z",
    "receipt": None,
}
ISSUED = {"kind": "invoice_issued", "label": "Facture émise", "at": "2026-12-02T09:30:00Z"}
WITH_INVOICE = DETAIL | {"timeline": [ISSUED | {"details": {"invoice_id": "inv1"}}]}


class FakeServices(FakeTracking):
    """Tracking, documents and payments answering the rules of the agents' workspace."""

    def __init__(self, *, documents_down: bool = False) -> None:
        super().__init__()
        self.documents_down = documents_down

    @staticmethod
    def department(request: httpx.Request) -> str:
        token = request.headers["authorization"].removeprefix("Bearer ")
        return str(verify_token(token, secret=DEV_SECRET).department)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/v1/requests/r1":
            self.seen.append(request)
            return httpx.Response(200, json=WITH_INVOICE)
        if path.startswith("/v1/agent/"):
            self.seen.append(request)
            return self.documents(request, path)
        if path.startswith("/v1/invoices"):
            self.seen.append(request)
            return self.payments(request, path)
        return super().__call__(request)

    def documents(self, request: httpx.Request, path: str) -> httpx.Response:
        if self.documents_down:
            return httpx.Response(503, json={"detail": "indisponible"})
        if self.department(request) != "services_techniques":
            return httpx.Response(404, json={"detail": "Aucune demande."})
        if path == "/v1/agent/requests/r1/documents":
            return httpx.Response(200, json=FILES)
        if path == "/v1/agent/requests/r1/documents/doc1/content":
            disposition = "attachment; filename*=UTF-8''avis-imposition.pdf"
            headers = {"content-type": "application/pdf", "content-disposition": disposition}
            return httpx.Response(200, content=b"%PDF-1.4 doc", headers=headers)
        if path == "/v1/agent/requests/r1/attachments/att1/content":
            return httpx.Response(200, content=b"PNG", headers={"content-type": "image/png"})
        return httpx.Response(404, json={"detail": "Aucun document."})

    def payments(self, request: httpx.Request, path: str) -> httpx.Response:
        if path == "/v1/invoices/inv1":
            return httpx.Response(200, json=INVOICE)
        if path == "/v1/invoices":
            total = 120 if request.url.params.get("status") == "overdue" else 1
            late = INVOICE | {"status_label": "en retard"}
            return httpx.Response(200, json={"items": [late], "total": total, "limit": 50})
        return httpx.Response(404, json={"detail": "Aucune facture ne porte cet identifiant."})


def test_the_request_page_lists_shared_documents_attachments_and_invoices() -> None:
    client = logged_in(FakeServices())
    page = client.get("/demandes/r1")
    assert page.status_code == 200, page.text
    assert 'href="/demandes/r1/documents/doc1"' in page.text
    assert 'href="/demandes/r1/pieces-jointes/att1"' in page.text
    assert "la consultation est enregistrée et visible par l'usager" in page.text
    for text in ("avis-imposition.pdf", "trou.png", "CANT-0001", "à payer", "1\u202f234,56"):
        assert text in page.text


def test_downloads_go_through_documents_with_the_agents_token() -> None:
    fake = FakeServices()
    client = logged_in(fake)
    document = client.get("/demandes/r1/documents/doc1")
    assert document.status_code == 200 and document.content == b"%PDF-1.4 doc"
    assert document.headers["content-disposition"].startswith("attachment")
    assert fake.seen[-1].url.path == "/v1/agent/requests/r1/documents/doc1/content"
    assert fake.department(fake.seen[-1]) == "services_techniques"
    attachment = client.get("/demandes/r1/pieces-jointes/att1")
    assert attachment.status_code == 200 and attachment.content == b"PNG"
    assert attachment.headers["content-disposition"] == "attachment"  # never shown inline
    assert client.get("/demandes/r1/documents/nope").status_code == 404
    assert client.get("/demandes/r1/autre/doc1").status_code in (404, 422)


def test_another_department_gets_neither_the_page_nor_the_files() -> None:
    fake = FakeServices()
    client = logged_in(fake, department="urbanisme")
    assert client.get("/demandes/r1").status_code == 403
    refused = client.get("/demandes/r1/documents/doc1")
    assert refused.status_code == 404
    assert "ne vous est pas accessible" in refused.text


def test_documents_down_leaves_the_request_page_readable() -> None:
    client = logged_in(FakeServices(documents_down=True))
    page = client.get("/demandes/r1")
    assert page.status_code == 200
    assert "Le service des documents ne répond pas" in page.text
    assert "CANT-0001" in page.text


def test_the_invoices_page_filters_by_state_and_pages() -> None:
    fake = FakeServices()
    client = logged_in(fake)
    page = client.get("/factures?etat=en_retard&page=2")
    assert page.status_code == 200, page.text
    sent = fake.seen[-1].url.params
    assert (sent["status"], sent["limit"], sent["offset"]) == ("overdue", "50", "50")
    assert "120 factures" in page.text and "en retard" in page.text
    assert "Page 2 sur 3" in page.text
    assert 'href="/factures?page=3&amp;etat=en_retard"' in page.text
    assert 'href="/factures?page=1&amp;etat=en_retard"' in page.text
    client.get("/factures?etat=a_payer")
    assert fake.seen[-1].url.params["status"] == "due"
    client.get("/factures")
    assert "status" not in fake.seen[-1].url.params
    assert client.get("/factures?etat=perdue").status_code == 422


def test_euros_are_written_the_french_way() -> None:
    assert [euros(0), euros(5), euros(123456)] == [
        "0,00\u00a0€",
        "0,05\u00a0€",
        "1\u202f234,56\u00a0€",
    ]
