"""Every error of the Open311 routes as the spec's list of {code, description}, in French."""

from collections.abc import Callable, Coroutine
from typing import Any

import structlog
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import ValidationError
from pymongo.errors import PyMongoError
from starlette.exceptions import HTTPException

from services.open311.formats import Open311Error, errors_response, format_of
from services.open311.settings import BASE_PATH
from shared.errors import BrokerUnavailable
from shared.problems import TITLES, french_message, problem

log = structlog.get_logger(__name__)
UNAVAILABLE = "Service momentanément indisponible, réessayez dans quelques instants."
RETRY = {"Retry-After": "5"}
_LOCATIONS = ("body", "query", "path", "header")


def describe(error: dict[str, Any]) -> str:
    """`field : message` for one pydantic error."""
    kind = str(error.get("type", ""))
    field = ".".join(str(p) for p in error.get("loc", ()) if p not in _LOCATIONS)
    if tuple(error.get("loc", ())) == ("path", "format"):
        return "Format inconnu : terminez l'adresse par .json ou .xml."
    message = (
        "URL invalide (adresse http ou https attendue)."
        if kind.startswith("url_")
        else french_message(error)
    )
    return f"{field} : {message}" if field else message


def _answer(request: Request, status: int, descriptions: list[str], **kw: Any) -> Response:
    return errors_response(format_of(request.url.path), status, descriptions, **kw)


class Open311Route(APIRoute):
    """Routes whose failures are answered in the GeoReport v2 error format."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except Open311Error as exc:
                return _answer(request, exc.status, list(exc.descriptions), headers=exc.headers)
            except (RequestValidationError, ValidationError) as exc:
                descriptions = [describe(dict(e)) for e in exc.errors()]
                return _answer(request, 400, descriptions or ["Requête invalide."])
            except (BrokerUnavailable, PyMongoError) as exc:
                log.warning("open311.dependency_unavailable", error=type(exc).__name__)
                return _answer(request, 503, [UNAVAILABLE], headers=RETRY)

        return route


def install_open311_errors(app: FastAPI) -> None:
    """Unknown resources and methods under the Open311 base path answer in its format too."""

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, "")
        if not request.url.path.startswith(BASE_PATH):
            return problem(exc.status_code, detail, headers=getattr(exc, "headers", None))
        french = {404: "Ressource inconnue.", 405: "Méthode non autorisée pour cette ressource."}
        description = french.get(exc.status_code) or TITLES.get(exc.status_code, "Erreur.")
        return _answer(request, exc.status_code, [description], headers=exc.headers)
