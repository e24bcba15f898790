"""The portal's HTTP API: categories, generic requests, online forms.

A request is answered 202 only once Kafka acknowledged its event (503 + Retry-After
otherwise). An `Idempotency-Key` header names the submission: sending it again returns the
first answer (same id, reference and tracking token, header `Idempotent-Replayed: true`) and
never files a second request, even if the body differs. (A replay's raw body and files are
stored again before the key is looked up; the event keeps the first submission's references.)
"""

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from services.portal.attachments import keep_uploads
from services.portal.context import Portal, PortalDep
from services.portal.drafts import file_form, file_request
from services.portal.fields import PortalModel
from services.portal.forms import FORMS, FormSpec
from services.portal.limits import LimitedBodyRoute
from services.portal.schemas import Accepted, CategoryItem, FormItem, RequestInput
from shared.http import CorrelationId, IdempotencyKey, media_type
from shared.intake import RequestDraft
from shared.problems import PROBLEM_JSON, ProblemError
from shared.uploads import JSON, Submission, parse_data, read_submission

Responses = dict[int | str, dict[str, Any]]
_PROBLEM: dict[str, Any] = {PROBLEM_JSON: {}}
ERRORS: Responses = {
    code: {"description": text, "content": _PROBLEM}
    for code, text in {
        413: "Contenu trop volumineux",
        415: "Type de contenu ou de fichier non accepté",
        422: "Données invalides (messages en français par champ)",
        503: "Service momentanément indisponible : réessayer après Retry-After",
    }.items()
}
ACCEPTED: Responses = {
    202: {"description": "Demande enregistrée (le journal d'événements en a accusé réception)"}
}

MAX_PARTS = 50  # the form, and its attachments
router = APIRouter(prefix="/v1", tags=["portail"], route_class=LimitedBodyRoute)


@router.get("/categories", summary="Catégories de demandes")
async def categories(portal: PortalDep) -> list[CategoryItem]:
    items = portal.catalogue.categories.values()
    return [CategoryItem(code=c.code, label=c.label) for c in items]


def json_only(request: Request) -> None:
    """Refuse other bodies with 415 rather than a confusing validation error."""
    kind = media_type(request)
    if kind != JSON and not kind.endswith("+json"):
        raise ProblemError(415, "Type de contenu non pris en charge : application/json attendu.")


@router.post(
    "/requests",
    summary="Déposer une demande",
    dependencies=[Depends(json_only)],
    status_code=202,
    response_model=Accepted,
    responses=ACCEPTED | ERRORS,
)
async def submit_request(
    body: RequestInput,
    request: Request,
    portal: PortalDep,
    correlation_id: CorrelationId,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    raw_ref = await portal.keep_raw(content=await request.body(), content_type=JSON)
    draft = file_request(body, message_id=idempotency_key, raw_ref=raw_ref)
    return await _file(portal, draft, correlation_id=correlation_id)


@router.get("/forms", summary="Formulaires en ligne et leurs schémas JSON")
async def forms() -> list[FormItem]:
    return [
        FormItem(
            form_type=spec.form_type,
            title=spec.title,
            description=spec.description,
            category=spec.category,
            attachments="obligatoires" if spec.files_required else "facultatives",
            accepted_types=sorted(spec.accepted_types),
            json_schema=spec.model.model_json_schema(),
        )
        for spec in FORMS.values()
    ]


async def read_with_files(request: Request, *, portal: Portal) -> Submission:
    """A JSON body, or multipart with a `data` part and `files`, within the portal's limits."""
    return await read_submission(
        request,
        max_bytes=portal.settings.max_upload_bytes,
        file_parts=("files",),
        max_parts=MAX_PARTS,
        max_data_bytes=portal.settings.max_json_bytes,
    )


def form_endpoint(spec: FormSpec) -> Callable[..., Awaitable[JSONResponse]]:
    async def submit_form(
        request: Request,
        portal: PortalDep,
        correlation_id: CorrelationId,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        submission = await read_with_files(request, portal=portal)
        form: PortalModel = parse_data(spec.model, submission.data, prefix=())
        uploads = submission.files.get("files", ())
        attachments = await keep_uploads(uploads, spec=spec, blobs=portal.blobs)
        raw_ref = await portal.keep_raw(content=submission.data, content_type=JSON)
        draft = file_form(
            spec, form, attachments=attachments, message_id=idempotency_key, raw_ref=raw_ref
        )
        return await _file(portal, draft, correlation_id=correlation_id)

    submit_form.__doc__ = spec.description
    return submit_form


def form_body(spec: FormSpec) -> dict[str, Any]:
    """OpenAPI request body: the form's JSON, or multipart with `data` and `files` parts."""
    files = "Pièces jointes" + (" (obligatoire)" if spec.files_required else "")
    return {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{spec.model.__name__}"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["data"],
                    "additionalProperties": False,
                    "properties": {
                        "data": {"type": "string", "description": "Le formulaire, en JSON"},
                        "files": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": files,
                        },
                    },
                },
                "encoding": {"data": {"contentType": JSON}},
            },
        },
    }


for _spec in FORMS.values():
    router.add_api_route(
        f"/forms/{_spec.form_type}",
        form_endpoint(_spec),
        methods=["POST"],
        summary=f"Formulaire : {_spec.title}",
        status_code=202,
        response_model=Accepted,
        responses=ACCEPTED | ERRORS,
        openapi_extra={"requestBody": form_body(_spec)},
        name=f"submit_{_spec.form_type}",
    )


@router.post("/forms/{form_type}", include_in_schema=False)
async def unknown_form(form_type: str) -> None:
    raise ProblemError(
        404,
        f"Formulaire inconnu : « {form_type[:64]} ». La liste est donnée par GET /v1/forms.",
    )


async def _file(portal: Portal, draft: RequestDraft, *, correlation_id: str) -> JSONResponse:
    accepted, replay = await portal.file(draft, correlation_id=correlation_id)
    headers = {"Location": accepted.status_url}
    if replay:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(accepted.model_dump(), status_code=202, headers=headers)
