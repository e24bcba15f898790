"""The online forms: show, check through the portal, confirm with reference, code and QR."""

import json
import uuid
from typing import Annotated

import segno
from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse

from services.site.context import Site, SiteDep
from services.site.formdata import read_form
from services.site.formdefs import FORMS, OnlineForm, defaults, generic_form, payload, place_errors
from services.site.upstream import UpstreamDown

router = APIRouter(include_in_schema=False)
FormType = Annotated[str, Path(max_length=64)]


async def _form(site: Site, form_type: str) -> OnlineForm | None:
    if form_type == "demande_generale":
        return generic_form(await site.upstream.categories())
    return FORMS.get(form_type)


def status_qr(url: str) -> str:
    """A QR code of the status page, as an SVG data URI (no script, allowed by the CSP)."""
    return str(segno.make(url, error="m").svg_data_uri(scale=4, border=2))


def _page(
    request: Request,
    site: Site,
    form: OnlineForm,
    *,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    general: list[str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return site.render(
        request,
        "form.html",
        status_code=status_code,
        form=form,
        values=values,
        errors=errors or {},
        general=general or [],
        key=values.get("key") or uuid.uuid4().hex,
    )


@router.get("/demarches/{form_type}")
async def show_form(form_type: FormType, request: Request, site: SiteDep) -> HTMLResponse:
    try:
        form = await _form(site, form_type)
    except UpstreamDown:
        return site.unavailable(request)
    if form is None:
        return site.render(request, "not_found.html", status_code=404)
    return _page(request, site, form, values=defaults(form))


@router.post("/demarches/{form_type}")
async def submit_form(form_type: FormType, request: Request, site: SiteDep) -> HTMLResponse:
    try:
        form = await _form(site, form_type)
        if form is None:
            return site.render(request, "not_found.html", status_code=404)
        values, files = await read_form(request)
        answer = await site.upstream.submit_form(
            form_type=form.form_type,
            data=json.dumps(payload(form, values)),
            files=[("files", part) for _, part in files],
            idempotency_key=values.get("key") or uuid.uuid4().hex,
        )
    except UpstreamDown:
        return site.unavailable(request)
    if answer.status != 202:
        by_field, general = place_errors(form, answer.errors)
        if not by_field and not general:
            general = [answer.detail]
        return _page(
            request, site, form, values=values, errors=by_field, general=general, status_code=422
        )
    reference = answer.body["reference"]
    status_url = f"{site.settings.site_url.rstrip('/')}/suivi/{reference}"
    return site.render(
        request,
        "confirmation.html",
        form=form,
        reference=reference,
        code=answer.body.get("tracking_token"),
        status_url=status_url,
        qr=status_qr(status_url),
    )
