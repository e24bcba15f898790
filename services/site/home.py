"""Home, accessibility statement and the report of an accessibility problem."""

import json
import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.site.context import SiteDep
from services.site.formdata import read_form
from services.site.formdefs import FORMS, Field, OnlineForm, Section, place_errors
from services.site.upstream import UpstreamDown

router = APIRouter(include_in_schema=False)
REPORT = OnlineForm(
    "demande_generale",
    "Signaler un problème d'accessibilité",
    "",
    (
        Section(
            "Le problème",
            (
                Field("page", "Page concernée", hint="Son titre ou son adresse."),
                Field("description", "Ce qui vous a empêché(e) d'avancer", "textarea", True),
            ),
        ),
        Section(
            "Pour vous répondre",
            (
                Field("citizen.name", "Nom et prénom", hint="Facultatif.", autocomplete="name"),
                Field("citizen.email", "Adresse électronique", "email", True, autocomplete="email"),
            ),
        ),
    ),
    files=Field("files", "Capture d'écran", "file", hint="Facultatif.", accept=".png,.jpg,.pdf"),
)


@router.get("/")
async def home(request: Request, site: SiteDep) -> HTMLResponse:
    try:
        categories = await site.upstream.categories()
    except UpstreamDown:
        categories = []
    return site.render(request, "home.html", forms=FORMS.values(), categories=categories)


@router.get("/accessibilite")
async def statement(request: Request, site: SiteDep) -> HTMLResponse:
    return site.render(request, "accessibility.html")


@router.get("/accessibilite/signaler")
async def report_form(request: Request, site: SiteDep) -> HTMLResponse:
    return _report(request, site, values={}, errors={}, general=[])


def _report(
    request: Request,
    site: SiteDep,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    general: list[str],
    status_code: int = 200,
) -> HTMLResponse:
    return site.render(
        request,
        "report.html",
        status_code=status_code,
        form=REPORT,
        values=values,
        errors=errors,
        general=general,
        key=values.get("key") or uuid.uuid4().hex,
    )


@router.post("/accessibilite/signaler")
async def report(request: Request, site: SiteDep) -> HTMLResponse:
    values, files = await read_form(request)
    text = values.get("description", "").strip()
    if not text:
        errors = {"description": "Décrivez le problème rencontré."}
        return _report(request, site, values=values, errors=errors, general=[], status_code=422)
    page = values.get("page", "").strip()
    data = {
        "category": "general",
        "subject": "Accessibilité du site : problème signalé",
        "description": f"Page : {page or 'non précisée'}\n\n{text}",
        "citizen": {k: v for k in ("name", "email") if (v := values.get(f"citizen.{k}", ""))},
    }
    try:
        answer = await site.upstream.submit_form(
            form_type="demande_generale",
            data=json.dumps(data),
            files=files,
            idempotency_key=values.get("key") or uuid.uuid4().hex,
        )
    except UpstreamDown:
        return site.unavailable(request)
    if answer.status != 202:
        by_field, general = place_errors(REPORT, answer.errors)
        return _report(
            request,
            site,
            values=values,
            errors=by_field,
            general=general or [answer.detail],
            status_code=422,
        )
    return site.render(request, "report_sent.html", reference=answer.body["reference"])
