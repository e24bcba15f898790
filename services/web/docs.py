"""Shared pieces of the routes' OpenAPI documentation."""

from typing import Any

from pydantic import BaseModel

Responses = dict[int | str, dict[str, Any]]
PROBLEM: dict[str, Any] = {"application/problem+json": {}}
TEXTS = {
    400: "Corps illisible (JSON ou formulaire mal formé)",
    401: "Signature ou horodatage absent ou invalide",
    403: "Signature ou jeton de vérification invalide",
    413: "Contenu trop volumineux",
    415: "Type de contenu non pris en charge",
    422: "Données invalides (détail par champ)",
    429: "Trop d'envois depuis cette adresse : réessayer après Retry-After secondes",
    503: "Courtier d'événements ou base indisponible : réessayer (Retry-After)",
}


def answers(status: int, description: str, *error_codes: int) -> Responses:
    """The success answer and the problems a route can give, for the OpenAPI document."""
    errors: Responses = {
        code: {"description": TEXTS[code], "content": PROBLEM} for code in error_codes
    }
    return {status: {"description": description}, **errors}


def body_of(model: type[BaseModel], *media_types: str) -> dict[str, Any]:
    """A request body the route reads itself (raw bytes first), documented as `model`."""
    schema = model.model_json_schema()
    schema = _inline(schema, schema.pop("$defs", {}))
    return {
        "requestBody": {
            "required": True,
            "content": {media: {"schema": schema} for media in media_types},
        }
    }


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """The schema with its local `$defs` references replaced by their definitions."""
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline(v, defs) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node
