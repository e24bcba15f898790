"""The FastAPI application every service starts from: health, readiness, metrics, errors."""

import uuid
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Annotated, Any

import structlog
from fastapi import Depends, FastAPI, Header, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from shared.problems import ProblemError, install_problem_handlers, problem

ReadinessCheck = Callable[[], Awaitable[bool]]
Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]
CORRELATION_HEADER = "X-Correlation-ID"


class CorrelationMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        incoming = request.headers.get(CORRELATION_HEADER, "")
        correlation_id = incoming if 0 < len(incoming) <= 100 else str(uuid.uuid4())
        request.state.correlation_id = correlation_id
        structlog.contextvars.bind_contextvars(correlation_id=correlation_id)
        try:
            response = await call_next(request)
        finally:
            structlog.contextvars.unbind_contextvars("correlation_id")
        response.headers[CORRELATION_HEADER] = correlation_id
        return response


class BodyLimitMiddleware(BaseHTTPMiddleware):
    """Refuse oversized bodies from their declared length, before reading them."""

    def __init__(self, app: object, *, max_bytes: int) -> None:
        super().__init__(app)  # type: ignore[arg-type]
        self.max_bytes = max_bytes

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            return problem(
                413, f"Le contenu dépasse la taille maximale de {self.max_bytes} octets."
            )
        return await call_next(request)


def create_app(
    *,
    title: str,
    description: str,
    lifespan: Lifespan | None = None,
    readiness: Sequence[ReadinessCheck] = (),
    max_body_bytes: int = 1_000_000,
    version: str = "0.1.0",
) -> FastAPI:
    app = FastAPI(title=title, description=description, version=version, lifespan=lifespan)
    app.add_middleware(BodyLimitMiddleware, max_bytes=max_body_bytes)
    app.add_middleware(CorrelationMiddleware)
    install_problem_handlers(app)

    @app.get("/healthz", tags=["ops"], summary="Le processus répond")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"], summary="Les dépendances sont joignables")
    async def readyz() -> Response:
        results = [await check() for check in readiness]
        if all(results):
            return Response('{"status":"ready"}', media_type="application/json")
        return problem(503, "Dépendance indisponible.", headers={"Retry-After": "5"})

    @app.get("/metrics", tags=["ops"], include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app


async def read_body(request: Request, *, max_bytes: int) -> bytes:
    """The whole body, refused as soon as it grows past `max_bytes` (chunked bodies too)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise ProblemError(413, f"Le contenu dépasse la taille maximale de {max_bytes} octets.")
        chunks.append(chunk)
    return b"".join(chunks)


def media_type(request: Request) -> str:
    """The request's content type without its parameters, lower-cased."""
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Identifiant unique de l'envoi : rejouer la même clé renvoie la même "
        "réponse, sans créer de doublon.",
    ),
]
"""The client's retry key: adapters use it as the channel message id."""


def app_state(name: str) -> Callable[[Request], Any]:
    """A FastAPI dependency: what `build_app` put on `app.state.<name>` (a service's context)."""

    def dependency(request: Request) -> Any:
        return getattr(request.app.state, name)

    return dependency


def _correlation_id(request: Request) -> str:
    return str(getattr(request.state, "correlation_id", ""))


CorrelationId = Annotated[str, Depends(_correlation_id)]
"""The request's correlation id (X-Correlation-ID, or one made up by the middleware)."""
