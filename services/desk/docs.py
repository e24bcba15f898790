"""Shared pieces of the desk routes' signatures and OpenAPI documentation."""

from typing import Any

from fastapi import Depends
from fastapi.security import APIKeyHeader, HTTPBearer

from services.desk.guards import TELEPHONY_HEADER

Responses = dict[int | str, dict[str, Any]]
PROBLEM: dict[str, Any] = {"application/problem+json": {}}


# Documentation only: the route classes in guards.py do the checks, before reading the body.
bearer = HTTPBearer(auto_error=False, description="Jeton d'agent (JWT HS256)")
telephony_secret = APIKeyHeader(
    name=TELEPHONY_HEADER, auto_error=False, description="Secret partagé avec la téléphonie"
)
AGENT_SECURITY = [Depends(bearer)]
TELEPHONY_SECURITY = [Depends(telephony_secret)]


def answers(status: int, description: str, *error_codes: int) -> Responses:
    """The success answer and the problems a route can give, for the OpenAPI document."""
    return {status: {"description": description}, **errors(*error_codes)}


def errors(*codes: int) -> Responses:
    texts = {
        400: "Formulaire illisible",
        401: "Authentification absente ou invalide",
        404: "Demande inconnue",
        413: "Contenu trop volumineux",
        415: "Type de contenu ou de fichier refusé",
        422: "Données invalides (détail par champ)",
        503: "Courtier d'événements ou base indisponible : réessayer (Retry-After)",
    }
    return {code: {"description": texts[code], "content": PROBLEM} for code in codes}


def data_part(description: str) -> dict[str, Any]:
    return {"type": "string", "description": description}


def file_part(description: str) -> dict[str, Any]:
    return {"type": "string", "format": "binary", "description": description}
