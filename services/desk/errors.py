"""Dependencies down: the agent is told to try again (503 + Retry-After), nothing is lost."""

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pymongo.errors import PyMongoError

from shared.kafka.producer import BrokerUnavailable
from shared.problems import problem

log = structlog.get_logger(__name__)
RETRY_AFTER_S = 5


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
