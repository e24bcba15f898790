"""The request page's workspace forms against a fake tracking API."""

import json

import httpx

from tests.unit.test_console_pages import DETAIL, FakeTracking, csrf_of, logged_in


class Workspace(FakeTracking):
    """Tracking that answers the workspace commands; `refuse` forces one answer."""

    def __init__(self, refuse: httpx.Response | None = None) -> None:
        super().__init__()
        self.refuse = refuse

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/v1/requests/r1":
            self.seen.append(request)
            return httpx.Response(200, json={**DETAIL, "version": 7})
        if path == "/v1/requests" and request.url.params.get("reference"):
            self.seen.append(request)
            found = [{"id": "r0", "reference": "2026-P000000"}]
            ok = request.url.params["reference"] == "2026-P000000"
            return httpx.Response(200, json={"items": found if ok else [], "total": int(ok)})
        if path.startswith("/v1/requests/r1/") and request.method == "POST":
            self.seen.append(request)
            return self.refuse or httpx.Response(202, json={"status": "ok"})
        return super().__call__(request)

    def posted(self) -> httpx.Request:
        return next(r for r in reversed(self.seen) if r.method == "POST")


def test_the_request_page_offers_every_command_each_with_csrf_and_version() -> None:
    fake = Workspace()
    page = logged_in(fake).get("/demandes/r1").text
    for name in ("prise-en-charge", "note", "reponse", "question", "transfert", "regroupement"):
        form = page.split(f'action="/demandes/r1/actions/{name}"')[1].split("</form>")[0]
        assert 'name="csrf"' in form and 'name="version" value="7"' in form, name
    assert 'data-shortcut="p"' in page and 'data-shortcut="r"' in page
    assert 'data-shortcut="n"' in page


def test_claim_reply_and_note_are_sent_with_if_match() -> None:
    fake = Workspace()
    client = logged_in(fake)
    csrf = csrf_of(client.get("/demandes/r1").text)
    for name, path, data in (
        ("prise-en-charge", "claim", {}),
        ("reponse", "replies", {"text": "Nous intervenons demain."}),
        ("note", "notes", {"text": "Voir avec la voirie."}),
    ):
        answer = client.post(
            f"/demandes/r1/actions/{name}", data={"csrf": csrf, "version": "7", **data}
        )
        assert answer.status_code == 303, answer.text
        sent = fake.posted()
        assert sent.url.path == f"/v1/requests/r1/{path}"
        assert sent.headers["if-match"] == '"7"'
        assert json.loads(sent.content) == data


def test_a_stale_version_asks_to_reload_in_french() -> None:
    stale = httpx.Response(412, json={"detail": "Version périmée", "current_version": 8})
    fake = Workspace(refuse=stale)
    client = logged_in(fake)
    csrf = csrf_of(client.get("/demandes/r1").text)
    answer = client.post(
        "/demandes/r1/actions/reponse", data={"csrf": csrf, "version": "7", "text": "Bonjour"}
    )
    assert answer.status_code == 422
    assert "rechargez la page" in answer.text
    assert ">Bonjour</textarea>" in answer.text  # the agent's text is not lost


def test_a_field_error_is_shown_next_to_its_field() -> None:
    invalid = httpx.Response(
        422,
        json={
            "detail": "La demande contient des données invalides.",
            "errors": [{"field": "body.reason", "message": "Ce champ est obligatoire."}],
        },
    )
    fake = Workspace(refuse=invalid)
    client = logged_in(fake)
    csrf = csrf_of(client.get("/demandes/r1").text)
    answer = client.post(
        "/demandes/r1/actions/transfert",
        data={"csrf": csrf, "version": "7", "department": "etat_civil", "reason": ""},
    )
    assert answer.status_code == 422
    assert 'id="f-transfert-reason-error">Ce champ est obligatoire.' in answer.text
    field = answer.text.split('id="f-transfert-reason"')[1].split(">")[0]
    assert 'aria-invalid="true"' in field and "f-transfert-reason-error" in field


def test_a_merge_names_the_kept_request_by_its_reference() -> None:
    fake = Workspace()
    client = logged_in(fake)
    csrf = csrf_of(client.get("/demandes/r1").text)
    unknown = client.post(
        "/demandes/r1/actions/regroupement",
        data={"csrf": csrf, "version": "7", "duplicate_of": "2026-P999999"},
    )
    assert unknown.status_code == 422
    assert "Aucune demande de votre service" in unknown.text
    done = client.post(
        "/demandes/r1/actions/regroupement",
        data={"csrf": csrf, "version": "7", "duplicate_of": "2026-p000000"},
    )
    assert done.status_code == 303
    assert json.loads(fake.posted().content) == {"duplicate_of": "r0"}


def test_an_unknown_action_or_missing_csrf_is_refused() -> None:
    fake = Workspace()
    client = logged_in(fake)
    assert client.post("/demandes/r1/actions/supprimer", data={}).status_code in (403, 404, 422)
    assert client.post("/demandes/r1/actions/prise-en-charge", data={}).status_code == 403
    assert not any(r.method == "POST" for r in fake.seen)
