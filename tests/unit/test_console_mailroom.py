"""The console's mail room against a fake notification API (httpx MockTransport)."""

import httpx

from shared.auth import DEV_SECRET, verify_token
from tests.unit.test_console_pages import FakeTracking, csrf_of, logged_in

LETTER = {
    "id": "L20261202090000-0123456789abcdef",
    "reference": "2026-C000042",
    "request_id": "r1",
    "template": "acknowledgement",
    "subject": "Accusé de réception de votre demande",
    "recipient": "Joëlle Lefèvre",
    "state": "queued",
    "pages": 1,
    "size": 2000,
    "created_at": "2026-12-02T09:00:00Z",
    "pdf_url": "/v1/letters/L20261202090000-0123456789abcdef.pdf",
}
PDF = b"%PDF-1.4 fake"


class FakeNotification(FakeTracking):
    def __init__(self) -> None:
        super().__init__()
        self.posted: list[str] = []

    @staticmethod
    def agents(request: httpx.Request) -> str:
        token = request.headers["authorization"].removeprefix("Bearer ")
        return str(verify_token(token, secret=DEV_SECRET).name)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        path = request.url.path
        if path.startswith("/v1/letters") and "Bob" in self.agents(request):
            return httpx.Response(
                403, json={"detail": "Le courrier est réservé au service accueil."}
            )
        if path == "/v1/letters":
            assert request.url.params["state"] == "queued"
            queued = [] if self.posted else [LETTER]
            return httpx.Response(200, json={"items": queued, "limit": 50, "next_cursor": None})
        if path in (f"/v1/letters/{LETTER['id']}.pdf", "/v1/letters/batch.pdf"):
            return httpx.Response(200, content=PDF, headers={"content-type": "application/pdf"})
        if path == f"/v1/letters/{LETTER['id']}/posted":
            self.posted.append(request.headers["authorization"])
            return httpx.Response(200, json=LETTER | {"state": "posted"})
        if path.startswith("/v1/letters/"):
            return httpx.Response(404, json={"detail": "Courrier introuvable."})
        return super().__call__(request)


def test_queued_letters_are_listed_downloaded_and_marked_posted() -> None:
    fake = FakeNotification()
    client = logged_in(fake, department="accueil")
    page = client.get("/courrier")
    assert page.status_code == 200
    for text in ("Courrier à envoyer", "2026-C000042", "Joëlle Lefèvre", "Marquer comme posté"):
        assert text in page.text
    assert 'href="/courrier/lot.pdf"' in page.text

    pdf = client.get(f"/courrier/{LETTER['id']}.pdf")
    assert pdf.status_code == 200 and pdf.content == PDF
    assert pdf.headers["content-type"] == "application/pdf"
    batch = client.get("/courrier/lot.pdf?recto_verso=true")
    assert batch.content == PDF and fake.seen[-1].url.params["recto_verso"] == "true"
    assert fake.seen[-1].headers["authorization"].startswith("Bearer ")  # the agent's token

    refused = client.post(f"/courrier/{LETTER['id']}/poste", data={"csrf": "forged"})
    assert refused.status_code == 403 and fake.posted == []
    done = client.post(f"/courrier/{LETTER['id']}/poste", data={"csrf": csrf_of(page.text)})
    assert done.status_code == 303 and done.headers["location"] == "/courrier"
    assert len(fake.posted) == 1
    after = client.get("/courrier")
    assert "Courrier de la demande 2026-C000042 marqué comme posté." in after.text
    assert "Aucun courrier à envoyer." in after.text


def test_an_unknown_letter_is_a_404_and_a_bad_id_never_reaches_notification() -> None:
    fake = FakeNotification()
    client = logged_in(fake)
    assert client.get("/courrier/L20261202090000-ffffffffffffffff.pdf").status_code == 404
    seen = len(fake.seen)
    assert client.get("/courrier/..%2Fsecret.pdf").status_code in (404, 422)
    assert len(fake.seen) == seen
    assert client.get("/courrier").status_code == 200


def test_another_department_is_told_the_mail_room_is_not_theirs() -> None:
    client = logged_in(FakeNotification(), department="urbanisme", name="Bob")
    page = client.get("/courrier")
    assert page.status_code == 403
    assert "Le courrier est réservé au service accueil." in page.text
