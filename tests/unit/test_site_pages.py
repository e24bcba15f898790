"""The citizens' site against fake portal and tracking APIs (httpx MockTransport)."""

from collections.abc import Callable

import httpx
import pytest
from fastapi.testclient import TestClient

from services.site.app import build_app
from services.site.formdefs import FORMS, generic_form, payload, place_errors
from services.site.settings import SiteSettings
from services.site.upstream import Upstream
from shared.web.french import french_date, french_datetime

CATEGORIES = [{"code": "voirie", "label": "Voirie"}, {"code": "general", "label": "Autre"}]
Handler = Callable[[httpx.Request], httpx.Response]


def site(handler: Handler) -> TestClient:
    settings = SiteSettings(site_url="https://demarches.ville.example")
    upstream = Upstream(settings, httpx.AsyncClient(transport=httpx.MockTransport(handler)))
    return TestClient(build_app(settings, upstream))


def portal(forms: Handler) -> Handler:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/categories":
            return httpx.Response(200, json=CATEGORIES)
        return forms(request)

    return handle


def test_the_portal_json_nests_dotted_names_and_leaves_empty_fields_out() -> None:
    form = FORMS["occupation_domaine_public"]
    values = {
        "purpose": "benne",
        "surface_m2": "12,5",
        "contact.name": "Camille",
        "company_name": "",
    }
    assert payload(form, values) == {
        "purpose": "benne",
        "surface_m2": 12.5,
        "contact": {"name": "Camille"},
    }


def test_errors_land_on_their_field_and_the_others_stay_general() -> None:
    form = generic_form(CATEGORIES)
    by_field, general = place_errors(
        form,
        [
            {"field": "citizen.email", "message": "Adresse électronique invalide."},
            {"field": "citizen", "message": "Indiquez un numéro de téléphone."},
            {"field": "files.0", "message": "Type refusé."},
        ],
    )
    assert by_field == {"citizen.email": "Adresse électronique invalide.", "files": "Type refusé."}
    assert general == ["Indiquez un numéro de téléphone."]


def test_a_refused_form_shows_the_french_error_next_to_its_field() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        message = "Adresse électronique invalide."
        return httpx.Response(
            422, json={"errors": [{"field": "citizen.email", "message": message}]}
        )

    response = site(portal(refuse)).post(
        "/demarches/demande_generale",
        data={"category": "voirie", "description": "Trou", "citizen.email": "camille"},
    )
    assert response.status_code == 422
    html = response.text
    assert 'id="f-citizen-email-error"' in html
    assert 'aria-describedby="f-citizen-email-hint f-citizen-email-error"' in html
    assert 'value="camille"' in html  # what the citizen typed is kept
    assert "<title>Erreur – Demande générale" in html


def test_an_accepted_form_shows_reference_code_and_a_qr_code_of_the_status_page() -> None:
    seen: list[httpx.Request] = []

    def accept(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(202, json={"reference": "2026-P000042", "tracking_token": "s3cret"})

    response = site(portal(accept)).post(
        "/demarches/candidature",
        data={"first_name": "Yanis", "key": "k-1"},
        files={"files": ("cv.pdf", b"%PDF-1.4", "application/pdf")},
    )
    assert response.status_code == 200
    assert "2026-P000042" in response.text and "s3cret" in response.text
    assert 'src="data:image/svg+xml' in response.text
    assert seen[0].headers["Idempotency-Key"] == "k-1"
    body = seen[0].read()
    assert b'"first_name": "Yanis"' in body and b"cv.pdf" in body


def test_the_tracking_code_travels_in_a_header_never_in_an_address() -> None:
    seen: list[httpx.Request] = []

    def track(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.headers.get("X-Tracking-Token") != "s3cret":
            return httpx.Response(404, json={"detail": "inconnue"})
        view = {
            "reference": "2026-P000042",
            "status": "resolved",
            "status_label": "traitée",
            "department": "Services techniques",
            "due_at": "2026-12-16T16:30:00Z",
            "submitted_at": "2026-12-01T09:00:00Z",
            "timeline": [
                {
                    "at": "2026-12-02T10:00:00Z",
                    "kind": "status",
                    "label": "Traitée",
                    "comment": "Fait.",
                }
            ],
        }
        return httpx.Response(200, json=view)

    client = site(track)
    ok = client.post("/suivi", data={"reference": "2026-p000042", "code": "s3cret"})
    assert ok.status_code == 200 and "Fait." in ok.text and "Traitée" in ok.text
    assert all("s3cret" not in str(r.url) for r in seen)
    wrong = client.post("/suivi", data={"reference": "2026-P000042", "code": "nope"})
    assert wrong.status_code == 404
    assert "Aucune demande ne correspond" in wrong.text
    empty = client.post("/suivi", data={"reference": "", "code": ""})
    assert empty.status_code == 422 and 'id="f-code-error"' in empty.text


def _tracking_for(code: str, seen: list[httpx.Request]) -> Handler:
    def track(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.headers.get("X-Tracking-Token") != code:
            return httpx.Response(404, json={"detail": "inconnue"})
        view = {
            "reference": "2026-E000007",
            "status": "routed",
            "status_label": "transmise au service",
            "department": "Services techniques",
            "due_at": "2026-12-16T16:30:00Z",
            "submitted_at": "2026-12-01T09:00:00Z",
            "timeline": [],
        }
        return httpx.Response(200, json=view)

    return track


def test_the_citizens_link_opens_the_status_and_the_code_goes_nowhere_else() -> None:
    seen: list[httpx.Request] = []
    client = site(_tracking_for("1AbC-dEf_ghIJklmnoPQRstu", seen))
    page = client.get("/suivi/2026-e000007?code=1AbC-dEf_ghIJklmnoPQRstu")
    assert page.status_code == 200
    assert "<h1 data-forget-code>Demande 2026-E000007</h1>" in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert [r.url.path for r in seen] == ["/v1/public/requests/2026-E000007"]
    assert all("1AbC" not in str(r.url) for r in seen)  # a header to tracking, never a URL


def test_a_link_with_a_wrong_code_asks_for_the_code_with_the_reference_filled_in() -> None:
    client = site(_tracking_for("the-right-code-00000000", []))
    page = client.get("/suivi/2026-E000007?code=not-the-code")
    assert page.status_code == 404
    assert "Aucune demande ne correspond" in page.text
    assert 'value="2026-E000007"' in page.text and "not-the-code" not in page.text
    assert page.headers["Cache-Control"] == "no-store"


def test_without_a_code_the_link_asks_for_it() -> None:
    seen: list[httpx.Request] = []
    page = site(_tracking_for("x", seen)).get("/suivi/2026-E000007")
    assert page.status_code == 200 and seen == []
    assert 'value="2026-E000007"' in page.text and "data-code-from-fragment" in page.text


def test_a_portal_that_does_not_answer_gives_a_french_503_page() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    response = site(down).post("/demarches/inscription_scolaire", data={})
    assert response.status_code == 503
    assert "momentanément indisponible" in response.text


@pytest.mark.parametrize("path", ["/", "/suivi", "/accessibilite", "/demarches/candidature"])
def test_pages_are_french_with_a_skip_link_and_a_strict_content_security_policy(path: str) -> None:
    response = site(portal(lambda r: httpx.Response(404))).get(path)
    assert response.status_code == 200
    assert '<html lang="fr">' in response.text
    assert 'href="#contenu"' in response.text and 'id="contenu"' in response.text
    assert "<script>" not in response.text and "style=" not in response.text
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_dates_read_as_french_in_the_town_time_zone() -> None:
    assert french_date("2026-12-01T23:30:00Z") == "2 décembre 2026"  # already the 2nd in Paris
    assert french_datetime("2026-07-01T08:05:00Z") == "1er juillet 2026 à 10 h 05"


def test_the_site_is_ready_only_when_the_portal_and_tracking_answer() -> None:
    def health(up: bool) -> Handler:
        return lambda request: httpx.Response(200 if up else 503, json={})

    assert site(health(True)).get("/readyz").status_code == 200
    not_ready = site(health(False)).get("/readyz")
    assert not_ready.status_code == 503
    assert not_ready.headers["content-type"].startswith("application/problem+json")
