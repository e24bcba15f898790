"""The agents' console against a fake tracking API (httpx MockTransport)."""

import json
import re
from typing import Any

import httpx
from fastapi.testclient import TestClient

from services.console.app import build_app
from services.console.charts import department_lines, stacked_bars, to_csv
from services.console.queue import fingerprint
from services.console.settings import ConsoleSettings
from services.console.upstream import Upstream

DETAIL = {
    "id": "r1",
    "reference": "2026-P000001",
    "status": "routed",
    "status_label": "transmise au service",
    "department": {"code": "services_techniques", "label": "Services techniques"},
    "allowed_statuses": ["in_progress", "cancelled"],
    "channel": "portal",
    "due_at": "2026-12-16T16:30:00Z",
    "overdue": False,
    "submitted_at": "2026-12-02T09:00:00Z",
    "attachments": [],
    "citizen": {"name": "Camille Martin"},
    "description": "Nid-de-poule",
    "timeline": [],
}
STATS = [
    {
        "department": {"code": "services_techniques", "label": "Services techniques"},
        "total": 3,
        "by_status": {"routed": 2, "in_progress": 1},
        "overdue": 1,
    }
]


class FakeTracking:
    def __init__(self) -> None:
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        path = request.url.path
        if path == "/v1/requests":
            return httpx.Response(200, json={"items": [], "total": 0})
        if path == "/v1/stats/departments":
            return httpx.Response(200, json=STATS)
        if path == "/v1/requests/r1":
            return httpx.Response(200, json=DETAIL)
        if path == "/v1/requests/r1/status":
            return httpx.Response(202, json={"status": json.loads(request.content)["status"]})
        return httpx.Response(404, json={"detail": "Aucune demande."})


def console(fake: FakeTracking) -> TestClient:
    settings = ConsoleSettings()
    upstream = Upstream(settings, httpx.AsyncClient(transport=httpx.MockTransport(fake)))
    app = build_app(settings, upstream)
    return TestClient(app, base_url="https://testserver", follow_redirects=False)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field"
    return found.group(1)


def logged_in(
    fake: FakeTracking, department: str = "services_techniques", **extra: Any
) -> TestClient:
    client = console(fake)
    csrf = csrf_of(client.get("/connexion").text)
    data = {"csrf": csrf, "name": "Julie Moreau", "department": department, **extra}
    response = client.post("/connexion/dev", data=data)
    assert response.status_code == 303, response.text
    return client


def test_pages_need_a_session_and_the_cookie_is_secure_httponly_samesite() -> None:
    client = console(FakeTracking())
    assert client.get("/").headers["location"] == "/connexion"
    page = client.get("/connexion")
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=lax" in cookie


def test_a_form_without_the_session_csrf_token_is_refused() -> None:
    client = console(FakeTracking())
    client.get("/connexion")
    data = {"csrf": "forged", "name": "Mallory", "department": "accueil"}
    response = client.post("/connexion/dev", data=data)
    assert response.status_code == 403
    assert client.get("/").status_code == 303  # still not logged in


def test_the_queue_stays_within_the_agents_department() -> None:
    fake = FakeTracking()
    client = logged_in(fake)
    page = client.get("/?department=urbanisme&status=routed&overdue=oui&reference=2026-p1")
    assert page.status_code == 200
    params = next(r.url.params for r in fake.seen if r.url.path == "/v1/requests")
    assert params["department"] == "services_techniques"
    assert params["status"] == "routed" and params["overdue"] == "true"
    assert params["reference"] == "2026-P1"
    assert fake.seen[-1].headers["authorization"].startswith("Bearer ")


def test_another_departments_request_is_refused_and_an_administrator_opens_it() -> None:
    other = logged_in(FakeTracking(), department="urbanisme")
    refused = other.get("/demandes/r1")
    assert refused.status_code == 403 and "autre service" in refused.text
    admin = logged_in(FakeTracking(), department="urbanisme", admin="oui")
    assert admin.get("/demandes/r1").status_code == 200


def test_a_status_change_is_sent_to_tracking_with_its_comment() -> None:
    fake = FakeTracking()
    client = logged_in(fake)
    csrf = csrf_of(client.get("/demandes/r1").text)
    response = client.post(
        "/demandes/r1/statut",
        data={
            "csrf": csrf,
            "status": "in_progress",
            "comment": "On s'en occupe",
            "internal": "oui",
        },
    )
    assert response.status_code == 303
    sent = json.loads(next(r for r in fake.seen if r.method == "POST").content)
    assert sent == {"status": "in_progress", "comment": "On s'en occupe", "internal": True}
    assert "enregistré" in client.get("/demandes/r1").text


def test_statistics_as_chart_geometry_and_csv() -> None:
    lines = department_lines(STATS, {})
    chart = stacked_bars(lines)
    widths = [s["width"] for s in chart["rows"][0]["segments"]]
    assert widths[0] == 2 * widths[1]  # two "routed" for one "in progress"
    csv_text = to_csv(lines)
    assert csv_text.splitlines()[1].startswith("Services techniques;services_techniques;3;1;0;2;1")
    response = logged_in(FakeTracking()).get("/statistiques.csv")
    assert response.headers["content-type"].startswith("text/csv")
    assert "Services techniques" in response.text


def test_the_live_queue_changes_its_fingerprint_when_a_request_changes() -> None:
    snap: dict[str, Any] = {"items": [{"id": "a", "status": "routed"}], "counts": {}}
    moved = {**snap, "items": [{"id": "a", "status": "in_progress"}]}
    assert fingerprint(snap) == fingerprint(dict(snap))
    assert fingerprint(snap) != fingerprint(moved)


def test_the_front_desk_logs_a_call_through_the_desk_adapter_and_hands_out_the_code() -> None:
    fake = FakeTracking()
    desk_calls: list[httpx.Request] = []

    def route(request: httpx.Request) -> httpx.Response:
        if request.url.port != 8002:
            return fake(request)
        desk_calls.append(request)
        body = json.loads(request.content)
        if "@" not in body.get("citizen", {}).get("email", "@"):
            error = {"field": "citizen.email", "message": "Adresse électronique invalide."}
            return httpx.Response(422, json={"detail": "invalide", "errors": [error]})
        return httpx.Response(202, json={"reference": "2026-T000007", "tracking_token": "c0de"})

    settings = ConsoleSettings()
    upstream = Upstream(settings, httpx.AsyncClient(transport=httpx.MockTransport(route)))
    client = TestClient(build_app(settings, upstream), base_url="https://testserver")
    csrf = csrf_of(client.get("/connexion").text)
    client.post("/connexion/dev", data={"csrf": csrf, "name": "Léa", "department": "accueil"})
    form = {"csrf": csrf_of(client.get("/accueil").text), "kind": "calls", "category": "voirie"}
    form |= {"description": "Trou", "name": "Camille", "email": "camille", "key": "k-9"}
    refused = client.post("/accueil", data=form)
    assert refused.status_code == 422 and 'id="f-email-error"' in refused.text
    done = client.post("/accueil", data=form | {"email": "camille@example.org"})
    assert done.status_code == 200
    assert "2026-T000007" in done.text and "c0de" in done.text
    assert desk_calls[-1].url.path == "/v1/calls"
    assert desk_calls[-1].headers["Idempotency-Key"] == "k-9"
    assert json.loads(desk_calls[-1].content) == {
        "category": "voirie",
        "description": "Trou",
        "citizen": {"name": "Camille", "email": "camille@example.org"},
    }


def test_a_scanned_letter_goes_to_the_desk_as_data_and_scan_parts() -> None:
    sent: list[httpx.Request] = []

    def route(request: httpx.Request) -> httpx.Response:
        if request.url.port != 8002:
            return FakeTracking()(request)
        sent.append(request)
        return httpx.Response(202, json={"reference": "2026-C000003", "tracking_token": None})

    settings = ConsoleSettings()
    upstream = Upstream(settings, httpx.AsyncClient(transport=httpx.MockTransport(route)))
    client = TestClient(build_app(settings, upstream), base_url="https://testserver")
    csrf = csrf_of(client.get("/connexion").text)
    client.post("/connexion/dev", data={"csrf": csrf, "name": "Léa", "department": "accueil"})
    form = {"csrf": csrf_of(client.get("/accueil").text), "kind": "letters"}
    form |= {"category": "urbanisme", "description": "Demande de permis", "name": "M. Roux"}
    form |= {"postal_address": "4 rue Haute", "date_received": "2026-12-01"}
    done = client.post(
        "/accueil", data=form, files={"scan": ("lettre.pdf", b"%PDF-1.4", "application/pdf")}
    )
    assert done.status_code == 200 and "2026-C000003" in done.text
    body = sent[0].read()
    assert sent[0].url.path == "/v1/letters"
    assert b'"sender": {"name": "M. Roux", "postal_address": "4 rue Haute"}' in body
    assert b'"date_received": "2026-12-01"' in body and b'filename="lettre.pdf"' in body
