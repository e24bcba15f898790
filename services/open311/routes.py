"""GeoReport v2 resources: services, service requests, tokens (JSON or XML by extension).

Choices where the spec leaves room:
- POST answers only once Kafka acknowledged, with the reference as service_request_id; it
  also gives `token` (the internal request id), which GET tokens/{token} resolves.
- An optional Idempotency-Key header, scoped to the api_key, makes a retried POST return
  the first answer (HTTP 200, Idempotent-Replayed: true) instead of a second request.
- GET requests lists every channel's requests of the offered services, public fields only
  (see store.py); categories in OPEN311_PRIVATE_SERVICES are neither offered nor listed.
"""

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from services.open311 import mapping
from services.open311.body import FORM_SCHEMA, JSON_SCHEMA, read_fields
from services.open311.context import Context
from services.open311.drafts import request_draft
from services.open311.errors import Open311Route
from services.open311.formats import Format, Open311Error, render
from services.open311.queries import parse_query
from services.open311.schemas import ServiceRequestInput
from services.open311.settings import BASE_PATH
from shared.http import CorrelationId, IdempotencyKey

FormatPath = Annotated[Format, Path(description="Format de la réponse : json ou xml")]
Jurisdiction = Annotated[
    str | None, Query(max_length=100, description="Facultatif ; doit désigner notre commune")
]
Responses = dict[int | str, dict[str, Any]]
_BOTH: dict[str, Any] = {"application/json": {}, "application/xml": {}}
ERRORS: Responses = {
    code: {"description": text, "content": _BOTH}
    for code, text in {
        400: "Requête invalide (liste d'erreurs {code, description})",
        403: "Clé d'API invalide",
        404: "Ressource inconnue",
        503: "Courtier d'événements ou base indisponible",
    }.items()
}
READ: Responses = {
    200: {"description": "Au format de l'extension (.json ou .xml)", "content": _BOTH}
}
CREATED: Responses = {
    201: {"description": "Demande enregistrée (Kafka a accusé réception)", "content": _BOTH},
    200: {"description": "Rejeu d'une Idempotency-Key déjà vue", "content": _BOTH},
}

router = APIRouter(prefix=BASE_PATH, route_class=Open311Route, tags=["open311"])


@router.get("/services.{format}", summary="Liste des services", responses=READ | ERRORS)
async def list_services(
    format: FormatPath, context: Context, jurisdiction_id: Jurisdiction = None
) -> Response:
    context.check_jurisdiction(jurisdiction_id)
    items = [mapping.service_item(c, context.catalogue) for c in context.services]
    return render(format, root="services", document=items)


@router.get(
    "/services/{service_code}.{format}", summary="Définition d'un service", responses=READ | ERRORS
)
async def service_definition(
    service_code: Annotated[str, Path(max_length=64)],
    format: FormatPath,
    context: Context,
    jurisdiction_id: Jurisdiction = None,
) -> Response:
    context.check_jurisdiction(jurisdiction_id)
    definition = mapping.service_definition(context.service(service_code))
    return render(format, root="service_definition", document=definition)


@router.post(
    "/requests.{format}",
    summary="Déposer une demande",
    status_code=201,
    responses=CREATED | ERRORS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {"schema": FORM_SCHEMA},
                "application/json": {"schema": JSON_SCHEMA},
            },
        }
    },
)
async def submit_request(
    format: FormatPath,
    request: Request,
    context: Context,
    correlation_id: CorrelationId,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    fields = await read_fields(request)
    api_key = context.checked_api_key(fields.get("api_key", request.query_params.get("api_key")))
    submitted = ServiceRequestInput.model_validate(fields)
    context.check_jurisdiction(submitted.jurisdiction_id)
    category = context.service(submitted.service_code)
    message_id = context.message_id(api_key=api_key, idempotency_key=idempotency_key)
    draft = request_draft(submitted, category=category, message_id=message_id)
    receipt = await context.intake.submit(draft, correlation_id=correlation_id)
    answer = {
        "service_request_id": receipt.reference,
        "token": receipt.request_id,
        "service_notice": mapping.submission_notice(
            reference=receipt.reference, category=category, catalogue=context.catalogue
        ),
    }
    if submitted.account_id:
        answer["account_id"] = submitted.account_id
    headers = {"Idempotent-Replayed": "true"} if receipt.duplicate else None
    status = 200 if receipt.duplicate else 201
    return render(
        format, root="service_requests", document=[answer], status=status, headers=headers
    )


@router.get("/requests.{format}", summary="Rechercher des demandes", responses=READ | ERRORS)
async def search_requests(
    format: FormatPath,
    context: Context,
    service_request_id: Annotated[str | None, Query(max_length=20_000)] = None,
    service_code: Annotated[str | None, Query(max_length=2000)] = None,
    start_date: Annotated[str | None, Query(max_length=64)] = None,
    end_date: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[str | None, Query(max_length=64)] = None,
    jurisdiction_id: Jurisdiction = None,
) -> Response:
    context.check_jurisdiction(jurisdiction_id)
    query = parse_query(
        service_request_id=service_request_id,
        service_code=service_code,
        start_date=start_date,
        end_date=end_date,
        status=status,
        now=datetime.now(UTC),
    )
    docs = await context.book.search(query=query, services=context.service_codes)
    items = [context.present(doc) for doc in docs]
    return render(format, root="service_requests", document=items)


@router.get(
    "/requests/{service_request_id}.{format}", summary="Une demande", responses=READ | ERRORS
)
async def get_request(
    service_request_id: Annotated[str, Path(max_length=32)],
    format: FormatPath,
    context: Context,
    jurisdiction_id: Jurisdiction = None,
) -> Response:
    context.check_jurisdiction(jurisdiction_id)
    doc = await context.book.public(reference=service_request_id, services=context.service_codes)
    if doc is None:
        raise Open311Error(404, f"Demande inconnue : « {service_request_id} ».")
    return render(format, root="service_requests", document=[context.present(doc)])


@router.get(
    "/tokens/{token}.{format}", summary="Demande correspondant à un jeton", responses=READ | ERRORS
)
async def get_token(
    token: Annotated[str, Path(max_length=64)],
    format: FormatPath,
    context: Context,
    jurisdiction_id: Jurisdiction = None,
) -> Response:
    """Our tokens are request ids, already numbered when POST answers: no pending state."""
    context.check_jurisdiction(jurisdiction_id)
    doc = await context.book.submitted_here(request_id=token)
    if doc is None:
        raise Open311Error(404, "Jeton inconnu (ou demande pas encore enregistrée).")
    answer = {"service_request_id": doc["reference"], "token": token}
    return render(format, root="service_requests", document=[answer])
