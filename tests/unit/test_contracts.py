"""contracts/ is generated from the code; these tests fail when the two drift apart."""

import json
from typing import Any

import jsonschema
import pytest

from shared.events import EVENT_MODELS
from tests.factories import submitted
from tools import contracts

DRIFT_HINT = "contracts/ is out of date: run `make contracts` and commit the result"


def _on_disk(relative: str) -> str:
    path = contracts.ROOT / relative
    assert path.exists(), f"missing contracts/{relative}: {DRIFT_HINT}"
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("relative", sorted(contracts.event_schemas()))
def test_event_schemas_match_the_models(relative: str) -> None:
    expected = contracts.render(contracts.event_schemas()[relative])
    assert _on_disk(relative) == expected, DRIFT_HINT


def test_asyncapi_matches_the_models() -> None:
    assert _on_disk("asyncapi.json") == contracts.render(contracts.asyncapi()), DRIFT_HINT


@pytest.mark.parametrize("name", sorted(contracts.HTTP_SERVICES))
def test_openapi_matches_each_http_service(name: str) -> None:
    relative = f"openapi/{name}.json"
    expected = contracts.render(contracts.openapi_documents()[relative])
    assert _on_disk(relative) == expected, DRIFT_HINT


def test_a_real_event_validates_against_its_published_schema() -> None:
    event = submitted()
    schema = json.loads(_on_disk(f"events/{event.event_type}.schema.json"))
    jsonschema.validate(json.loads(event.model_dump_json()), schema)
    broken = json.loads(event.model_dump_json()) | {"unexpected": 1}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in _refs(value)]
    return []


def test_asyncapi_is_a_closed_v3_document() -> None:
    document = json.loads(_on_disk("asyncapi.json"))
    assert document["asyncapi"].startswith("3.")
    for ref in _refs(document):
        node: Any = document
        for part in ref.removeprefix("#/").split("/"):
            assert part in node, f"dangling reference {ref}"
            node = node[part]
    names = {m["name"] for m in document["components"]["messages"].values()}
    assert set(EVENT_MODELS) <= names
    assert document["channels"]["requests"]["address"] == "relais.requests.v1"
