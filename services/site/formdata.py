"""Reading what a citizen's browser posted: text fields and attached files."""

from fastapi import Request
from starlette.datastructures import UploadFile

from services.site.upstream import Files

MAX_PARTS = 60
MAX_FIELD_BYTES = 64 * 1024


async def read_form(request: Request) -> tuple[dict[str, str], Files]:
    """Text values by name (first one wins) and non-empty files, as httpx multipart parts."""
    values: dict[str, str] = {}
    files: Files = []
    async with request.form(
        max_files=MAX_PARTS, max_fields=MAX_PARTS, max_part_size=MAX_FIELD_BYTES
    ) as form:
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                content = await value.read()
                if value.filename and content:
                    kind = value.content_type or "application/octet-stream"
                    files.append((name, (value.filename, content, kind)))
            else:
                values.setdefault(name, value)
    return values, files
