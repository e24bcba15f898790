"""Property test: whatever a client sends within (or outside) the OpenAPI document,
the Open311 adapter answers without a server error, in the format the extension names."""

import json
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from functools import partial

import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis import Response

from services.open311.app import build_app
from services.open311.settings import Open311Settings
from shared.catalogue import load_catalogue
from tests.conftest import dropped, namespaced
from tests.properties import assume_head_fits, content_type, explore_all
from tests.support import serve_app

KEY = "cle-proprietes"
SCHEMA = schemathesis.openapi.from_dict(build_app().openapi()).include(path_regex="^/open311/")
SERVICE_CODES = sorted(load_catalogue().categories)


@pytest.fixture
async def base_url(topic_prefix: str) -> AsyncIterator[str]:
    settings = Open311Settings(**namespaced(topic_prefix, "open311"), open311_api_keys=KEY)
    async with dropped(settings.database_name), serve_app(build_app(settings)) as base:
        yield base


def _steer(case: schemathesis.Case, data: st.DataObject, *, base: str) -> None:
    """Reach the publishing and searching paths often, not only the first checks."""
    if isinstance(case.query, dict) and data.draw(st.booleans()):
        case.query.pop("jurisdiction_id", None)
    if case.method == "POST" and isinstance(case.body, dict) and data.draw(st.booleans()):
        case.body["api_key"] = KEY
        case.body["service_code"] = data.draw(st.sampled_from(SERVICE_CODES))
        case.body.pop("jurisdiction_id", None)
        if not {"lat", "address_string", "address_id"} & set(case.body):
            case.body["address_string"] = "1 place de la Mairie"
        if case.body.get("phone"):
            case.body["phone"] = data.draw(st.sampled_from(["06 12 34 56 78", "+32 2 555 12 12"]))
    assume_head_fits(case.as_transport_kwargs(base_url=base))


def _check(case: schemathesis.Case, response: Response) -> None:
    """Open311 answers in the format its path extension names, not problem+json."""
    path = case.formatted_path
    kind = content_type(response)
    if path.endswith(".xml"):
        assert kind.startswith("application/xml"), kind
        ET.fromstring(response.content)
    elif path.endswith(".json"):
        assert kind.startswith("application/json"), kind
        json.loads(response.content)


@pytest.mark.timeout(240)
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
async def test_no_request_makes_the_adapter_fail(base_url: str) -> None:
    await explore_all(
        SCHEMA,
        count=6,
        base_url=base_url,
        problem_json=False,
        prepare=partial(_steer, base=base_url),
        check=_check,
    )
