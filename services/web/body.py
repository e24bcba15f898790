"""Reading request bodies: bounded in size, parsed into models with French errors."""

import json
from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from shared.problems import ProblemError

M = TypeVar("M", bound=BaseModel)


def charset(request: Request, default: str = "utf-8") -> str:
    for param in request.headers.get("content-type", "").split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"').lower()
    return default


def parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise ProblemError(400, "Le corps de la requête n'est pas un JSON valide.") from exc


def json_object(raw: bytes) -> dict[str, Any]:
    data = parse_json(raw)
    if not isinstance(data, dict):
        raise ProblemError(400, "Un objet JSON est attendu.")
    return data


def validate(model: type[M], data: Any) -> M:
    """The model, or a 422 problem listing each invalid field in French."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        raise RequestValidationError(errors) from exc
