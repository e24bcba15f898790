"""Reading a form submission: JSON, or multipart with a `data` part (JSON) and `files` parts."""

from dataclasses import dataclass, field

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from shared.http import media_type
from shared.problems import ProblemError

JSON = "application/json"
MULTIPART = "multipart/form-data"
MAX_PARTS = 50


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class Submission:
    data: bytes
    files: list[Upload] = field(default_factory=list)


def _invalid(field_name: str, message: str) -> ProblemError:
    return ProblemError(
        422,
        "La demande contient des données invalides.",
        errors=[{"field": field_name, "message": message}],
    )


async def read_submission(request: Request, *, max_data_bytes: int) -> Submission:
    kind = media_type(request)
    if kind == JSON:
        return Submission(data=await request.body())
    if kind != MULTIPART:
        raise ProblemError(
            415, "Type de contenu non pris en charge : application/json ou multipart/form-data."
        )
    try:
        async with request.form(
            max_files=MAX_PARTS, max_fields=MAX_PARTS, max_part_size=max_data_bytes
        ) as form:
            return await _from_parts(form.multi_items())
    except HTTPException as exc:
        if exc.status_code == 413:
            raise
        raise ProblemError(
            400,
            "Corps multipart illisible : parties trop nombreuses, partie « data » trop "
            "volumineuse ou format incorrect.",
        ) from exc


async def _from_parts(parts: list[tuple[str, str | UploadFile]]) -> Submission:
    data: list[bytes] = []
    files: list[Upload] = []
    for name, value in parts:
        if name == "data":
            data.append(value.encode() if isinstance(value, str) else await value.read())
        elif name == "files":
            if not isinstance(value, UploadFile):
                raise _invalid("files", "La partie « files » doit être un fichier.")
            files.append(
                Upload(
                    filename=(value.filename or "").strip() or "piece-jointe",
                    content_type=value.content_type or "",
                    content=await value.read(),
                )
            )
        else:
            raise _invalid(name, f"Partie inattendue : « {name[:50]} » (data ou files attendus).")
    if len(data) != 1:
        raise _invalid(
            "data", "Une et une seule partie « data » (JSON du formulaire) est attendue."
        )
    return Submission(data=data[0], files=files)
