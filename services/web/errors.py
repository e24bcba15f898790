"""Failures every web channel answers the same way, in French problem documents."""

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pymongo.errors import PyMongoError

from shared.errors import BrokerUnavailable
from shared.problems import problem
from shared.signatures import SignatureRefused

log = structlog.get_logger(__name__)
RETRY_AFTER_S = 5


def install_error_handlers(app: FastAPI) -> None:
    async def unavailable(request: Request, exc: Exception) -> JSONResponse:
        """Kafka or the database did not answer: nothing was acknowledged, try again."""
        log.warning("web.dependency_unavailable", path=request.url.path, error=type(exc).__name__)
        return problem(
            503,
            "Service momentanément indisponible : le message n'a pas été enregistré ; "
            "réessayez dans quelques instants.",
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )

    async def refused(request: Request, exc: Exception) -> JSONResponse:
        status, detail = (
            (exc.status, exc.detail) if isinstance(exc, SignatureRefused) else (403, "")
        )
        log.warning("web.signature_refused", path=request.url.path, status=status)
        return problem(status, detail or "Requête refusée.")

    app.add_exception_handler(BrokerUnavailable, unavailable)
    app.add_exception_handler(PyMongoError, unavailable)
    app.add_exception_handler(SignatureRefused, refused)
