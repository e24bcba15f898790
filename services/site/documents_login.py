"""« Mes documents » : the door. The citizen asks for a link by e-mail; the link opens a page
whose button exchanges it for a session (a GET never uses the single-use link, so mail
scanners that open links cannot spend it)."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.site.context import Site, SiteDep
from services.site.formdata import read_form
from services.site.session import (
    PATH,
    SESSION,
    check_csrf,
    close_session,
    csrf_token,
    keep_csrf,
    open_session,
)

router = APIRouter(include_in_schema=False)
EXPIRED = "Votre session a expiré : demandez un nouveau lien pour retrouver vos documents."
NO_TOKEN = "Ce lien de connexion est incomplet : demandez un nouveau lien ci-dessous."


def page(
    request: Request, site: Site, name: str, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """A document-space page, its forms carrying this browser's CSRF token."""
    response = site.render(
        request, name, status_code=status_code, csrf=csrf_token(request), **context
    )
    keep_csrf(request, response, site.settings)
    return response


def login_page(
    request: Request,
    site: Site,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    notice: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return page(
        request,
        site,
        "documents/login.html",
        status_code=status_code,
        values=values or {},
        errors=errors or {},
        flash=notice,
    )


@router.post(PATH + "/lien")
async def send_link(request: Request, site: SiteDep) -> HTMLResponse:
    values, _ = await read_form(request)
    check_csrf(request, values)
    email = values.get("email", "").strip()[:320]
    if not email:
        errors = {"email": "Indiquez votre adresse électronique."}
        return login_page(request, site, values=values, errors=errors, status_code=422)
    answer = await site.upstream.documents_call(
        "POST", "/v1/citizen/magic-links", json={"email": email}
    )
    if answer.status != 202:
        found = {e.get("field"): e.get("message", "") for e in answer.errors}
        errors = {"email": found.get("email") or answer.detail}
        return login_page(request, site, values=values, errors=errors, status_code=422)
    return page(request, site, "documents/link_sent.html", message=answer.body.get("message"))


@router.get(PATH + "/connexion")
async def connect_page(request: Request, site: SiteDep, jeton: str = "") -> HTMLResponse:
    response = page(request, site, "documents/connect.html", token=jeton[:4000])
    response.headers.update({"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})
    return response


@router.post(PATH + "/connexion")
async def connect(request: Request, site: SiteDep) -> Response:
    values, _ = await read_form(request)
    check_csrf(request, values)
    token = values.get("jeton", "").strip()
    if len(token) < 10:
        return login_page(
            request, site, notice={"kind": "error", "text": NO_TOKEN}, status_code=400
        )
    answer = await site.upstream.documents_call(
        "POST", "/v1/citizen/sessions", json={"token": token[:4000]}
    )
    if answer.status != 200:
        notice = {"kind": "error", "text": answer.detail}
        return login_page(request, site, notice=notice, status_code=400)
    response = RedirectResponse(PATH, status_code=303)
    open_session(
        response,
        token=answer.body["access_token"],
        expires_at=answer.body["expires_at"],
        settings=site.settings,
    )
    return response


@router.post(PATH + "/deconnexion")
async def logout(request: Request, site: SiteDep) -> Response:
    values, _ = await read_form(request)
    check_csrf(request, values)
    response = RedirectResponse(f"{PATH}?fait=deconnexion", status_code=303)
    close_session(response, site.settings)
    return response


def has_session(request: Request) -> bool:
    return bool(request.cookies.get(SESSION))


def session_ended(request: Request, site: Site) -> Response:
    """The documents service refused the session: forget it, back to the door."""
    response = RedirectResponse(f"{PATH}?session=expiree", status_code=303)
    close_session(response, site.settings)
    return response
