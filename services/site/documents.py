"""« Mes documents » : the citizen's space over the documents API (list, upload, download,
rename, delete after confirmation, share with a request and withdraw), who read what."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.site.context import Site, SiteDep
from services.site.documents_login import EXPIRED, has_session, login_page, page
from services.site.formdata import read_form
from services.site.session import PATH, SessionEnded, check_csrf, session_of
from services.site.upstream import Answer

router = APIRouter(include_in_schema=False)
DocumentId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
API = "/v1/citizen/documents"
DONE = {
    "depot": "Votre document a bien été déposé.",
    "nom": "Le document a bien été renommé.",
    "suppression": "Le document a été supprimé, ainsi que ses partages.",
    "partage": "Le document est partagé avec votre demande : le service peut le consulter.",
    "retrait": "Le partage est retiré : le service ne peut plus consulter ce document.",
    "deconnexion": "Vous êtes déconnecté(e) de votre espace documents.",
}
KEPT_FOR = {"own": "own", "demande": "request"}


async def _call(request: Request, site: Site, method: str, path: str, **kwargs: Any) -> Answer:
    answer = await site.upstream.documents_call(method, path, session=session_of(request), **kwargs)
    if answer.status == 401:
        raise SessionEnded
    return answer


def _notice(request: Request) -> dict[str, str] | None:
    done = DONE.get(request.query_params.get("fait", ""))
    if done:
        return {"kind": "success", "text": done}
    if request.query_params.get("session") == "expiree":
        return {"kind": "error", "text": EXPIRED}
    return None


def _done(what: str, document_id: str | None = None) -> RedirectResponse:
    where = f"{PATH}/{document_id}" if document_id else PATH
    return RedirectResponse(f"{where}?fait={what}", status_code=303)


def _messages(answer: Answer) -> list[str]:
    return [e["message"] for e in answer.errors if e.get("message")] or [answer.detail]


async def _space(
    request: Request, site: Site, *, errors: dict[str, str] | None = None, status_code: int = 200
) -> HTMLResponse:
    listed = await _call(request, site, "GET", API, params={"limit": 200})
    return page(
        request,
        site,
        "documents/space.html",
        status_code=status_code,
        documents=listed.body.get("items", []),
        errors=errors or {},
        flash=None if errors else _notice(request),
    )


@router.get(PATH)
async def space(request: Request, site: SiteDep) -> HTMLResponse:
    if not has_session(request):
        return login_page(request, site, notice=_notice(request))
    return await _space(request, site)


def _filename(name: str) -> str:
    """The name the browser gave, without a path or control characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(c for c in base if c >= " ").strip()[:255]


@router.post(PATH + "/depot")
async def upload(request: Request, site: SiteDep) -> Response:
    values, files = await read_form(request)
    check_csrf(request, values)
    session_of(request)
    if not files:
        return await _space(
            request, site, errors={"fichier": "Choisissez le fichier à déposer."}, status_code=422
        )
    name, content, _ = files[0][1]
    answer = await _call(
        request,
        site,
        "POST",
        API,
        params={
            "filename": _filename(name) or "document",
            "kept_for": KEPT_FOR.get(values.get("conservation", ""), "own"),
        },
        content=content,
        headers={"content-type": "application/octet-stream"},
    )
    if answer.status != 201:
        errors = {"fichier": " ".join(_messages(answer))}
        return await _space(request, site, errors=errors, status_code=422)
    return _done("depot")


async def _document_page(
    request: Request,
    site: Site,
    document_id: str,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    template: str = "documents/document.html",
    status_code: int = 200,
) -> HTMLResponse:
    answer = await _call(request, site, "GET", f"{API}/{document_id}")
    if answer.status != 200:
        return site.render(request, "not_found.html", status_code=404)
    return page(
        request,
        site,
        template,
        status_code=status_code,
        doc=answer.body,
        values=values or {},
        errors=errors or {},
        flash=None if errors else _notice(request),
    )


@router.get(PATH + "/{document_id}")
async def document(document_id: DocumentId, request: Request, site: SiteDep) -> HTMLResponse:
    return await _document_page(request, site, document_id)


@router.get(PATH + "/{document_id}/fichier")
async def download(document_id: DocumentId, request: Request, site: SiteDep) -> Response:
    found = await site.upstream.document_content(
        session=session_of(request), document_id=document_id
    )
    if found.status_code == 401:
        raise SessionEnded
    if found.status_code != 200:
        return site.render(request, "not_found.html", status_code=404)
    headers = {
        "Content-Disposition": found.headers.get("content-disposition", "attachment"),
        "Cache-Control": "no-store",
    }
    return Response(found.content, media_type=found.headers.get("content-type"), headers=headers)


@router.post(PATH + "/{document_id}/nom")
async def rename(document_id: DocumentId, request: Request, site: SiteDep) -> Response:
    values, _ = await read_form(request)
    check_csrf(request, values)
    name = _filename(values.get("nom", ""))
    if not name:
        errors = {"nom": "Indiquez le nouveau nom du document."}
        return await _document_page(
            request, site, document_id, values=values, errors=errors, status_code=422
        )
    answer = await _call(request, site, "PATCH", f"{API}/{document_id}", json={"filename": name})
    if answer.status != 200:
        errors = {"nom": " ".join(_messages(answer))}
        return await _document_page(
            request, site, document_id, values=values, errors=errors, status_code=422
        )
    return _done("nom", document_id)


@router.get(PATH + "/{document_id}/suppression")
async def confirm_delete(document_id: DocumentId, request: Request, site: SiteDep) -> Response:
    return await _document_page(request, site, document_id, template="documents/delete.html")


@router.post(PATH + "/{document_id}/suppression")
async def delete(document_id: DocumentId, request: Request, site: SiteDep) -> Response:
    values, _ = await read_form(request)
    check_csrf(request, values)
    answer = await _call(request, site, "DELETE", f"{API}/{document_id}")
    if answer.status != 204:
        return site.render(request, "not_found.html", status_code=404)
    return _done("suppression")


def _share_errors(values: dict[str, str]) -> dict[str, str]:
    errors = {}
    if not values.get("reference", "").strip():
        errors["reference"] = "Indiquez la référence de votre demande (exemple : 2026-P000124)."
    if not values.get("code", "").strip():
        errors["code"] = "Indiquez le code de suivi reçu lors du dépôt de votre demande."
    return errors


@router.post(PATH + "/{document_id}/partages")
async def share(document_id: DocumentId, request: Request, site: SiteDep) -> Response:
    values, _ = await read_form(request)
    check_csrf(request, values)
    errors = _share_errors(values)
    if not errors:
        body = {
            "reference": values["reference"].strip().upper()[:32],
            "tracking_token": values["code"].strip()[:200],
        }
        answer = await _call(request, site, "POST", f"{API}/{document_id}/shares", json=body)
        if answer.status == 201:
            return _done("partage", document_id)
        found = {e.get("field"): e.get("message", "") for e in answer.errors}
        errors = {
            "reference": found.get("reference", ""),
            "code": found.get("tracking_token", "") or ("" if found else answer.detail),
        }
        errors = {k: v for k, v in errors.items() if v}
    values = {k: values.get(k, "") for k in ("reference",)}  # the code is never shown back
    return await _document_page(
        request, site, document_id, values=values, errors=errors, status_code=422
    )


@router.post(PATH + "/{document_id}/partages/{share_id}/retrait")
async def withdraw(
    document_id: DocumentId, share_id: DocumentId, request: Request, site: SiteDep
) -> Response:
    values, _ = await read_form(request)
    check_csrf(request, values)
    answer = await _call(request, site, "DELETE", f"{API}/{document_id}/shares/{share_id}")
    if answer.status != 204:
        return site.render(request, "not_found.html", status_code=404)
    return _done("retrait", document_id)
