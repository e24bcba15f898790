"""The citizen's status view: reference + tracking token, nothing personal."""

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Response

from services.tracking import store, views
from services.tracking.context import Context
from services.tracking.schemas import PublicRequestView
from shared.problems import ProblemError
from shared.tokens import token_matches

router = APIRouter(prefix="/v1/public", tags=["usagers"])
# One answer for an unknown reference and a wrong or missing token: nothing to probe.
NOT_FOUND = "Aucune demande ne correspond à cette référence et à ce code de suivi."

# No format constraints: a malformed reference or token is just another 404.
ReferencePath = Annotated[str, Path(description="Référence de la demande, ex. 2026-P000124")]
TokenHeader = Annotated[
    str | None, Header(alias="X-Tracking-Token", description="Code de suivi reçu")
]
TokenQuery = Annotated[
    str | None, Query(alias="token", description="Code de suivi (lien du courriel)")
]


@router.get(
    "/requests/{reference}",
    summary="Suivre sa demande",
    responses={404: {"description": "Référence ou code de suivi inconnu"}},
)
async def public_request(
    reference: ReferencePath,
    tracking: Context,
    response: Response,
    header_token: TokenHeader = None,
    query_token: TokenQuery = None,
) -> PublicRequestView:
    doc = await store.get_by_reference(db=tracking.db, reference=reference)
    stored = doc.get("tracking_token_hash") if doc else None
    matches = token_matches(header_token or query_token, stored)
    if doc is None or stored is None or not matches:
        raise ProblemError(404, NOT_FOUND)
    entries = await store.timeline(db=tracking.db, request_id=doc["_id"], public_only=True)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return views.public_view(doc, entries)
