"""Body size limits, enforced before the body is read: small JSON, larger multipart uploads.

A declared Content-Length over the limit is refused at once; a chunked body is counted as it
arrives and refused as soon as it passes the limit.
"""

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.problems import problem

MULTIPART = "multipart/form-data"


def too_large_detail(limit: int) -> str:
    size = f"{limit // 1048576} Mio" if limit >= 1048576 else f"{limit // 1024} Kio"
    return f"Le contenu dépasse la taille maximale autorisée ({size})."


class BodyLimits:
    """Pure ASGI middleware: multipart bodies up to `upload_bytes`, any other up to `json_bytes`."""

    def __init__(self, app: ASGIApp, *, json_bytes: int, upload_bytes: int) -> None:
        self.app = app
        self.json_bytes = json_bytes
        self.upload_bytes = upload_bytes

    def limit_for(self, headers: Headers) -> int:
        kind = headers.get("content-type", "").split(";")[0].strip().lower()
        return self.upload_bytes if kind == MULTIPART else self.json_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        limit = self.limit_for(headers)
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await problem(413, too_large_detail(limit))(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(413, too_large_detail(limit))
            return message

        await self.app(scope, counted, send)
