"""« Suivre ma demande » : reference and tracking code, posted, or the citizen's own link.

The link in the town's messages (`/suivi/{reference}?code=...`) opens the status directly. The
code in that address reaches no other site (Referrer-Policy: no-referrer), no cache
(Cache-Control: no-store) and no log (no access log; codes are redacted from ours); the
page's script then takes it out of the address bar and the history.
"""

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse

from services.site.context import Site, SiteDep
from services.site.formdata import read_form
from services.site.upstream import UpstreamDown

router = APIRouter(include_in_schema=False)
NOT_FOUND = "Aucune demande ne correspond à cette référence et à ce code de suivi."
ReferencePath = Annotated[str, Path(max_length=32)]
CodeQuery = Annotated[str | None, Query(description="Code de suivi (lien personnel)")]
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _lookup(
    request: Request,
    site: Site,
    *,
    reference: str = "",
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return site.render(
        request,
        "track.html",
        status_code=status_code,
        values={"reference": reference},
        errors=errors or {},
    )


@router.get("/suivi")
async def lookup(request: Request, site: SiteDep) -> HTMLResponse:
    return _lookup(request, site)


@router.get("/suivi/{reference}")
async def lookup_reference(
    reference: ReferencePath, request: Request, site: SiteDep, code: CodeQuery = None
) -> HTMLResponse:
    """The citizen's link opens the status; the QR code's (no code) fills in the reference."""
    if not code:
        return _lookup(request, site, reference=reference.strip().upper())
    page = await _status_page(request, site, {"reference": reference, "code": code})
    page.headers.update(PRIVATE)
    return page


def _checked(values: dict[str, str]) -> tuple[str, str, dict[str, str]]:
    reference = values.get("reference", "").strip().upper()[:32]
    code = values.get("code", "").strip()[:200]
    errors = {}
    if not reference:
        errors["reference"] = "Indiquez la référence de votre demande (exemple : 2026-P000124)."
    if not code:
        errors["code"] = "Indiquez le code de suivi reçu lors du dépôt de votre demande."
    return reference, code, errors


async def _status_page(
    request: Request,
    site: Site,
    values: dict[str, str],
    *,
    notice: dict[str, str] | None = None,
    message_errors: dict[str, str] | None = None,
) -> HTMLResponse:
    reference, code, errors = _checked(values)
    if errors:
        return _lookup(request, site, reference=reference, errors=errors, status_code=422)
    try:
        answer = await site.upstream.public_view(reference=reference, code=code)
    except UpstreamDown:
        return site.unavailable(request)
    if answer.status != 200:
        errors = {"code": NOT_FOUND}
        return _lookup(request, site, reference=reference, errors=errors, status_code=404)
    return site.render(
        request,
        "status.html",
        status_code=422 if message_errors else 200,
        view=answer.body,
        code=code,
        flash=notice,
        errors=message_errors or {},
        values={"text": values.get("text", "")} if message_errors else {},
        key=uuid.uuid4().hex,
    )


@router.post("/suivi")
async def status(request: Request, site: SiteDep) -> HTMLResponse:
    values, _ = await read_form(request)
    return await _status_page(request, site, values)


@router.post("/suivi/message")
async def add_message(request: Request, site: SiteDep) -> HTMLResponse:
    values, files = await read_form(request)
    reference, code, errors = _checked(values)
    text = values.get("text", "").strip()
    if errors:
        return _lookup(request, site, reference=reference, errors=errors, status_code=422)
    if not text:
        missing = {"text": "Écrivez votre message avant de l'envoyer."}
        return await _status_page(request, site, values, message_errors=missing)
    try:
        answer = await site.upstream.add_message(
            reference=reference,
            code=code,
            text=text,
            files=[("files", part) for _, part in files],
            idempotency_key=values.get("key") or uuid.uuid4().hex,
        )
    except UpstreamDown:
        return site.unavailable(request)
    if answer.status != 202:
        found = {e.get("field", ""): e.get("message", "") for e in answer.errors}
        problem = {"text": found.get("text") or found.get("files") or answer.detail}
        return await _status_page(request, site, values, message_errors=problem)
    notice = {"kind": "success", "text": "Votre message a bien été transmis au service."}
    return await _status_page(request, site, values, notice=notice)
