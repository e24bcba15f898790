"""Body size limits, enforced before the body is read: small JSON, larger multipart uploads.

A declared Content-Length over the limit is refused at once; a chunked body is counted as it
arrives and refused as soon as it passes the limit. The check lives in the route class, so
the 413 is raised where FastAPI reads the body and answered as a French problem.
"""

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import HTTPException
from fastapi.routing import APIRoute
from starlette.datastructures import Headers
from starlette.types import Message, Receive

from shared.problems import ProblemError

MULTIPART = "multipart/form-data"


def too_large_detail(limit: int) -> str:
    size = f"{limit // 1048576} Mio" if limit >= 1048576 else f"{limit // 1024} Kio"
    return f"Le contenu dépasse la taille maximale autorisée ({size})."


def limit_for(headers: Headers, *, json_bytes: int, upload_bytes: int) -> int:
    """Multipart bodies (with attachments) may be larger than any other body."""
    kind = headers.get("content-type", "").split(";")[0].strip().lower()
    return upload_bytes if kind == MULTIPART else json_bytes


def _counted(receive: Receive, limit: int) -> Receive:
    received = 0

    async def counted() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise HTTPException(413, too_large_detail(limit))
        return message

    return counted


class LimitedBodyRoute(APIRoute):
    """Routes whose body may not exceed the portal's limits (app.state.portal.settings)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            settings = request.app.state.portal.settings
            limit = limit_for(
                request.headers,
                json_bytes=settings.max_json_bytes,
                upload_bytes=settings.max_upload_bytes,
            )
            length = request.headers.get("content-length")
            if length is not None and (not length.isdigit() or int(length) > limit):
                raise ProblemError(413, too_large_detail(limit))
            return await handler(Request(request.scope, _counted(request.receive, limit)))

        return route
