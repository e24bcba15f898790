"""Reading a POST body: form-encoded as the spec says, or JSON."""

import json
from typing import Any

from fastapi import Request

from services.open311.formats import Open311Error
from services.open311.schemas import (
    ATTRIBUTE_CODE,
    MAX_ANSWER,
    ServiceRequestInput,
    collect_fields,
)

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _schemas() -> tuple[dict[str, Any], dict[str, Any]]:
    schema = ServiceRequestInput.model_json_schema()
    schema["properties"] = {
        "api_key": {"type": "string", "maxLength": 200, "title": "Clé d'API"},
        **schema["properties"],
    }
    schema["required"] = ["api_key", *schema.get("required", [])]
    schema["anyOf"] = [
        {"required": ["lat", "long"]},
        {"required": ["address_string"]},
        {"required": ["address_id"]},
    ]
    schema["properties"]["attribute"]["propertyNames"] = {"pattern": ATTRIBUTE_CODE.pattern}
    schema["properties"]["attribute"]["additionalProperties"]["maxLength"] = MAX_ANSWER
    schema["dependentRequired"] = {"lat": ["long"], "long": ["lat"]}
    schema["description"] = (
        "Une localisation est obligatoire : lat et long, address_string ou address_id. "
        "En formulaire, les attributs s'écrivent attribute[code]=valeur."
    )
    form_fields = {k: _not_null(v) for k, v in schema["properties"].items() if k != "attribute"}
    return {**schema, "properties": form_fields}, schema


def _not_null(field: dict[str, Any]) -> dict[str, Any]:
    """A form field is absent or a string: no `null` alternative."""
    variants = [v for v in field.get("anyOf", []) if v.get("type") != "null"]
    if len(variants) != 1:
        return field
    rest = {k: v for k, v in field.items() if k not in ("anyOf", "default")}
    return {**rest, **variants[0]}


FORM_SCHEMA, JSON_SCHEMA = _schemas()


async def read_fields(request: Request) -> dict[str, Any]:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type in FORM_TYPES:
        try:
            form = await request.form()
        except Exception as exc:  # multipart parser errors have no common base class
            raise Open311Error(400, "Formulaire illisible.") from exc
        return collect_fields((k, v) for k, v in form.multi_items() if isinstance(v, str))
    if media_type == "application/json" or media_type.endswith("+json"):
        try:
            body = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError) as exc:
            raise Open311Error(400, "Le corps de la requête n'est pas un JSON valide.") from exc
        if not isinstance(body, dict):
            raise Open311Error(400, "Un objet JSON est attendu.")
        return collect_fields(body.items())
    raise Open311Error(
        415, "Type de contenu non pris en charge : formulaire (x-www-form-urlencoded) ou JSON."
    )
