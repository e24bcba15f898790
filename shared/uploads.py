"""Reading a submission with files: JSON, or multipart with a `data` part (JSON) and file parts.

One reader for every adapter that takes uploads: the body is read whole within its limit (so
the raw original can be kept), then parsed; errors are French problems.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.datastructures import UploadFile
from starlette.types import Message

from shared.http import media_type, read_body
from shared.problems import ProblemError

M = TypeVar("M", bound=BaseModel)
JSON = "application/json"
MULTIPART = "multipart/form-data"


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class Submission:
    raw: bytes  # the body as received
    content_type: str
    data: bytes  # the JSON: the whole body, or the multipart `data` part
    files: dict[str, tuple[Upload, ...]] = field(default_factory=dict)

    @property
    def is_multipart(self) -> bool:
        return self.content_type.split(";")[0].strip().lower() == MULTIPART

    def first(self, name: str) -> Upload | None:
        found = self.files.get(name, ())
        return found[0] if found else None


def invalid(field_name: str, message: str) -> ProblemError:
    return ProblemError(
        422,
        "La demande contient des données invalides.",
        errors=[{"field": field_name, "message": message}],
    )


async def read_submission(
    request: Request,
    *,
    max_bytes: int,
    file_parts: Sequence[str],
    json_allowed: bool = True,
    max_parts: int = 8,
    max_data_bytes: int = 256 * 1024,
) -> Submission:
    """The body, refused past `max_bytes`; multipart holds one `data` part and named files."""
    content_type = request.headers.get("content-type", "")
    kind = media_type(request)
    accepted = [MULTIPART, JSON] if json_allowed else [MULTIPART]
    if kind not in accepted:
        expected = " ou ".join(accepted)
        raise ProblemError(415, f"Type de contenu non pris en charge : {expected} attendu.")
    raw = await read_body(request, max_bytes=max_bytes)
    if kind == JSON:
        return Submission(raw=raw, content_type=content_type, data=raw)
    try:
        form = await _replaying(request, raw).form(
            max_files=max_parts, max_fields=max_parts, max_part_size=max_data_bytes
        )
    except Exception as exc:  # the multipart parser's errors have no common base class
        raise ProblemError(
            400, "Corps multipart illisible : parties trop nombreuses ou trop volumineuses."
        ) from exc
    data, files = await _parts(form.multi_items(), file_parts)
    return Submission(raw=raw, content_type=content_type, data=data, files=files)


async def _parts(
    parts: list[tuple[str, str | UploadFile]], file_parts: Sequence[str]
) -> tuple[bytes, dict[str, tuple[Upload, ...]]]:
    data: list[bytes] = []
    files: dict[str, list[Upload]] = {}
    for name, value in parts:
        if name == "data":
            data.append(value.encode() if isinstance(value, str) else await value.read())
        elif name in file_parts:
            if not isinstance(value, UploadFile):
                raise invalid(name, f"La partie « {name} » doit être un fichier.")
            files.setdefault(name, []).append(await _upload(value, default=name))
        else:
            expected = ", ".join(["data", *file_parts])
            raise invalid(name, f"Partie inattendue : « {name[:50]} » ({expected} attendus).")
    if len(data) != 1:
        raise invalid("data", "Une et une seule partie « data » (JSON) est attendue.")
    return data[0], {name: tuple(found) for name, found in files.items()}


async def _upload(part: UploadFile, *, default: str) -> Upload:
    return Upload(
        filename=((part.filename or "").strip() or default)[:255],
        content_type=part.content_type or "",
        content=await part.read(),
    )


def _replaying(request: Request, body: bytes) -> Request:
    """The request again, its body already read, for Starlette's form parser."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(request.scope, receive)


def parse_data(
    model: type[M], data: bytes, *, prefix: tuple[str, ...], context: dict[str, Any] | None = None
) -> M:
    """Validate the JSON `data`; errors are reported as the shared 422 problem."""
    try:
        return model.model_validate_json(data, context=context)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *prefix, *e["loc"])} for e in exc.errors()]
        raise RequestValidationError(errors) from exc
