"""Dependencies down: the agent is told to try again (503 + Retry-After), nothing is lost."""

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pymongo.errors import PyMongoError
from starlette.exceptions import HTTPException

from shared.kafka.producer import BrokerUnavailable
from shared.problems import TITLES, problem

log = structlog.get_logger(__name__)
RETRY_AFTER_S = 5
# FastAPI's own English messages, said in French.
FRENCH_DETAILS = {
    "There was an error parsing the body": "Corps de la requête illisible (JSON UTF-8 attendu).",
    "Not Found": "Ressource introuvable.",
    "Method Not Allowed": "Méthode non autorisée pour cette ressource.",
}


def install_unavailable_handlers(app: FastAPI) -> None:
    async def unavailable(_: Request, exc: Exception) -> JSONResponse:
        log.warning("desk.dependency_unavailable", error=type(exc).__name__)
        return problem(
            503,
            "Service momentanément indisponible : la demande n'a pas été enregistrée ; "
            "réessayez dans quelques instants.",
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )

    app.add_exception_handler(BrokerUnavailable, unavailable)
    app.add_exception_handler(PyMongoError, unavailable)


def install_french_http_errors(app: FastAPI) -> None:
    async def http_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else ""
        detail = FRENCH_DETAILS.get(detail, detail) or TITLES.get(exc.status_code, "Erreur")
        return problem(exc.status_code, detail, headers=getattr(exc, "headers", None))

    app.add_exception_handler(HTTPException, http_error)
