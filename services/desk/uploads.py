"""Reading an agent's upload: bounded in size, JSON or multipart with file parts."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.datastructures import UploadFile
from starlette.types import Message

from shared.http import read_body
from shared.problems import ProblemError

M = TypeVar("M", bound=BaseModel)
MULTIPART = "multipart/form-data"
JSON = "application/json"
MAX_DATA_BYTES = 256 * 1024


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class Submission:
    raw: bytes
    content_type: str
    data: bytes
    files: dict[str, Upload] = field(default_factory=dict)

    @property
    def is_multipart(self) -> bool:
        return self.content_type.split(";")[0].strip().lower() == MULTIPART


def _replaying(request: Request, body: bytes) -> Request:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(request.scope, receive)


async def _part_bytes(value: str | UploadFile) -> bytes:
    return value.encode() if isinstance(value, str) else await value.read()


async def read_submission(
    request: Request, *, max_bytes: int, file_parts: Sequence[str], json_allowed: bool
) -> Submission:
    """JSON (if allowed), or multipart with a `data` part (JSON) and the named file parts."""
    content_type = request.headers.get("content-type", "")
    kind = content_type.split(";")[0].strip().lower()
    accepted = [MULTIPART, JSON] if json_allowed else [MULTIPART]
    if kind not in accepted:
        expected = " ou ".join(accepted)
        raise ProblemError(415, f"Type de contenu non pris en charge : {expected} attendu.")
    raw = await read_body(request, max_bytes=max_bytes)
    if kind == JSON:
        return Submission(raw=raw, content_type=content_type, data=raw)
    try:
        form = await _replaying(request, raw).form(
            max_files=len(file_parts) + 1, max_fields=8, max_part_size=MAX_DATA_BYTES
        )
    except Exception as exc:  # the multipart parser's errors have no common base class
        raise ProblemError(400, "Formulaire multipart illisible ou trop de parties.") from exc
    data = form.get("data")
    if data is None:
        raise invalid("data", "Ce champ est obligatoire.")
    files = {}
    for name in file_parts:
        part = form.get(name)
        if isinstance(part, UploadFile):
            files[name] = Upload(
                filename=(part.filename or name)[:255],
                content_type=part.content_type or "",
                content=await part.read(),
            )
        elif part is not None:
            raise invalid(name, "Un fichier est attendu.")
    return Submission(raw=raw, content_type=content_type, data=await _part_bytes(data), files=files)


def invalid(field_name: str, message: str) -> ProblemError:
    return ProblemError(
        422,
        "La demande contient des données invalides.",
        errors=[{"field": field_name, "message": message}],
    )


def parse_data(
    model: type[M], data: bytes, *, prefix: tuple[str, ...], context: dict[str, Any] | None = None
) -> M:
    """Validate the JSON `data`; errors are reported as the shared 422 problem."""
    try:
        return model.model_validate_json(data, context=context)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *prefix, *e["loc"])} for e in exc.errors()]
        raise RequestValidationError(errors) from exc
