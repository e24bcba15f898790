"""RFC 9457 problem details (application/problem+json) for every HTTP error."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pymongo.errors import PyMongoError
from starlette.exceptions import HTTPException

from shared.errors import BrokerUnavailable

PROBLEM_JSON = "application/problem+json"
RETRY_AFTER_S = 5
UNAVAILABLE_DETAIL = (
    "Service momentanément indisponible : la demande n'a pas été enregistrée ; "
    "réessayez dans quelques instants."
)
# Starlette's and FastAPI's own English messages, said in French.
FRENCH_DETAILS = {
    "There was an error parsing the body": "Corps de la requête illisible (JSON UTF-8 attendu).",
    "Not Found": "Ressource introuvable.",
    "Method Not Allowed": "Méthode non autorisée pour cette ressource.",
}

TITLES = {
    400: "Requête invalide",
    401: "Authentification requise",
    403: "Accès refusé",
    404: "Ressource introuvable",
    405: "Méthode non autorisée",
    409: "Conflit",
    412: "Version périmée",
    413: "Contenu trop volumineux",
    415: "Type de contenu non pris en charge",
    422: "Données invalides",
    429: "Trop de requêtes",
    503: "Service momentanément indisponible",
}


def problem(
    status: int, detail: str, *, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": TITLES.get(status, "Erreur"),
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


class ProblemError(Exception):
    """Raise from a route to answer with a problem document."""

    def __init__(
        self, status: int, detail: str, *, headers: dict[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(detail)
        self.status, self.detail, self.headers, self.extra = status, detail, headers, extra


FRENCH_MESSAGES = {
    "missing": "Ce champ est obligatoire.",
    "string_too_short": "Ce champ doit contenir au moins {min_length} caractère(s).",
    "string_too_long": "Ce champ doit contenir au plus {max_length} caractères.",
    "string_type": "Ce champ doit être un texte.",
    "string_pattern_mismatch": "Le format de ce champ est invalide.",
    "int_parsing": "Ce champ doit être un nombre entier.",
    "int_type": "Ce champ doit être un nombre entier.",
    "float_parsing": "Ce champ doit être un nombre.",
    "float_type": "Ce champ doit être un nombre.",
    "bool_parsing": "Ce champ doit valoir vrai ou faux.",
    "greater_than_equal": "Ce champ doit être supérieur ou égal à {ge}.",
    "less_than_equal": "Ce champ doit être inférieur ou égal à {le}.",
    "greater_than": "Ce champ doit être supérieur à {gt}.",
    "less_than": "Ce champ doit être inférieur à {lt}.",
    "date_from_datetime_parsing": "Date invalide (format attendu : AAAA-MM-JJ).",
    "date_parsing": "Date invalide (format attendu : AAAA-MM-JJ).",
    "date_type": "Date invalide (format attendu : AAAA-MM-JJ).",
    "datetime_parsing": "Date et heure invalides (format ISO 8601 attendu).",
    "enum": "Valeur non autorisée ; valeurs possibles : {expected}.",
    "literal_error": "Valeur non autorisée ; valeurs possibles : {expected}.",
    "extra_forbidden": "Ce champ n'est pas attendu.",
    "too_short": "Cette liste doit contenir au moins {min_length} élément(s).",
    "too_long": "Cette liste doit contenir au plus {max_length} éléments.",
    "model_attributes_type": "Un objet JSON est attendu.",
    "dict_type": "Un objet JSON est attendu.",
    "list_type": "Une liste est attendue.",
    "json_invalid": "Le corps de la requête n'est pas un JSON valide.",
    "finite_number": "Ce champ doit être un nombre fini.",
}


def french_message(error: dict[str, Any]) -> str:
    """The French message agents and citizens read for one pydantic error."""
    kind = error.get("type", "")
    if kind == "value_error" and "email" in str(error.get("msg", "")).lower():
        return "Adresse électronique invalide."
    if kind in ("value_error", "assertion_error"):
        ctx = error.get("ctx") or {}
        return str(ctx.get("error") or error.get("msg", "Valeur invalide."))
    if kind in ("enum", "literal_error"):
        expected = str((error.get("ctx") or {}).get("expected", ""))
        return f"Valeur non autorisée ; valeurs possibles : {expected.replace(' or ', ' ou ')}."
    template = FRENCH_MESSAGES.get(kind)
    if template is None:
        return "Valeur invalide."
    try:
        return template.format(**(error.get("ctx") or {}))
    except (KeyError, IndexError):
        return template


def _field(loc: tuple[Any, ...], kind: str = "") -> str:
    if kind == "json_invalid":
        return "body"
    return ".".join(str(p) for p in loc if p not in ("body", "query", "path", "header"))


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(_: Request, exc: ProblemError) -> JSONResponse:
        return problem(exc.status, exc.detail, headers=exc.headers, **exc.extra)

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else ""
        detail = FRENCH_DETAILS.get(detail, detail) or TITLES.get(exc.status_code, "Erreur")
        return problem(exc.status_code, detail, headers=getattr(exc, "headers", None))

    async def _unavailable(_: Request, exc: Exception) -> JSONResponse:
        # Nothing was acknowledged: the client retries, nothing is lost.
        return problem(503, UNAVAILABLE_DETAIL, headers={"Retry-After": str(RETRY_AFTER_S)})

    app.add_exception_handler(BrokerUnavailable, _unavailable)
    app.add_exception_handler(PyMongoError, _unavailable)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "field": _field(tuple(e.get("loc", ())), e.get("type", "")),
                "message": french_message(dict(e)),
            }
            for e in exc.errors()
        ]
        return problem(422, "La demande contient des données invalides.", errors=errors)
