"""Dependencies down: answer 503 with Retry-After, never a false acknowledgement or a 500."""

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pymongo.errors import PyMongoError

from shared.kafka.producer import BrokerUnavailable
from shared.problems import problem

log = structlog.get_logger(__name__)
RETRY_AFTER_S = 5
UNAVAILABLE = (
    "Le service est momentanément indisponible ; votre demande n'a pas été enregistrée. "
    "Réessayez dans quelques instants."
)


def install_unavailable_handlers(app: FastAPI) -> None:
    async def unavailable(_: Request, exc: Exception) -> JSONResponse:
        log.warning("portal.dependency_unavailable", error=type(exc).__name__)
        return problem(503, UNAVAILABLE, headers={"Retry-After": str(RETRY_AFTER_S)})

    app.add_exception_handler(BrokerUnavailable, unavailable)
    app.add_exception_handler(PyMongoError, unavailable)
