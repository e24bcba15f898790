"""Property test: whatever a client sends within (or outside) the portal's OpenAPI document,
the portal answers without a server error, with a problem document when it refuses."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from services.portal.app import build_app
from services.portal.forms import today
from services.portal.settings import PortalSettings
from shared.catalogue import load_catalogue
from shared.mongo import connect
from tests.conftest import KAFKA, MONGODB_URI
from tests.support import serve_app

EXAMPLES_PER_OPERATION = 50
SCHEMA = schemathesis.openapi.from_dict(build_app().openapi()).include(path_regex="^/v1/")
CATEGORIES = sorted(load_catalogue().categories)
PHONES = ["06 12 34 56 78", "+32 2 555 12 12", "0"]
PDF = b"%PDF-1.4\n%%EOF\n"
CONTACT = {"name": "Camille Martin", "email": "camille@example.org"}
VALID = {
    "inscription_scolaire": {
        "child_first_name": "Léa",
        "child_last_name": "Martin",
        "child_birth_date": (today() - timedelta(days=365 * 6)).isoformat(),
        "school_level": "CP",
        "parent": CONTACT,
        "address": "12 rue des Lilas",
    },
    "occupation_domaine_public": {
        "purpose": "benne",
        "address": "3 place de la Mairie",
        "start_date": (today() + timedelta(days=7)).isoformat(),
        "end_date": (today() + timedelta(days=8)).isoformat(),
        "surface_m2": 10,
        "contact": CONTACT,
    },
    "candidature": {
        "first_name": "Yanis",
        "last_name": "Benali",
        "email": "yanis@example.org",
        "motivation": "Motivé.",
    },
    "demande_generale": {
        "category": "voirie",
        "description": "Nid-de-poule.",
        "citizen": {"email": "camille@example.org"},
    },
}


@pytest.fixture
async def base_url(topic_prefix: str) -> AsyncIterator[str]:
    database = f"test_portal_{uuid.uuid4().hex[:8]}"
    app = build_app(
        PortalSettings(
            kafka_bootstrap_servers=KAFKA,
            topic_prefix=topic_prefix,
            mongodb_uri=MONGODB_URI,
            mongodb_database=database,
        )
    )
    try:
        async with serve_app(app) as base:
            yield base
    finally:
        client = connect(uri=MONGODB_URI)
        await client.drop_database(database)
        await client.close()


def _steer(case: schemathesis.Case, data: st.DataObject) -> None:
    """Reach the publishing path often, not only the first validation errors."""
    body = case.body
    if not isinstance(body, dict) or not data.draw(st.booleans()):
        return
    if case.media_type == "multipart/form-data":
        body["data"] = json.dumps(VALID[case.path.rsplit("/", 1)[-1]])
        if data.draw(st.booleans()):
            body["files"] = [PDF]
        return
    if "category" in body:
        body["category"] = data.draw(st.sampled_from(CATEGORIES))
    for holder in (body, body.get("citizen"), body.get("parent"), body.get("contact")):
        if isinstance(holder, dict) and holder.get("phone"):
            holder["phone"] = data.draw(st.sampled_from(PHONES))
    now = today()
    if "child_birth_date" in body:
        years = data.draw(st.integers(1, 14))
        body["child_birth_date"] = (now - timedelta(days=365 * years + 100)).isoformat()
    if "start_date" in body:
        start = now + timedelta(days=data.draw(st.integers(-2, 30)))
        body["start_date"] = start.isoformat()
        body["end_date"] = (start + timedelta(days=data.draw(st.integers(-1, 30)))).isoformat()


def _check(case: schemathesis.Case, status: int, content_type: str, body: bytes) -> None:
    assert status < 500, (case.method, case.path, status, body[:500])
    if status >= 400:
        assert content_type.startswith("application/problem+json"), content_type
        assert json.loads(body)["detail"]
    elif case.method == "POST":
        assert status == 202
        accepted = json.loads(body)
        assert accepted["reference"] in accepted["status_url"]


def _explore(operation: schemathesis.APIOperation, base: str) -> None:
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases, data=st.data())
    def answers_without_server_error(case: schemathesis.Case, data: st.DataObject) -> None:
        _steer(case, data)
        response = case.call(base_url=base, timeout=15)
        content_type = response.headers.get("content-type", [""])[0]
        _check(case, response.status_code, content_type, response.content)

    answers_without_server_error()


@pytest.mark.timeout(240)
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
async def test_no_request_makes_the_portal_fail(base_url: str) -> None:
    operations = [result.ok() for result in SCHEMA.get_all_operations()]
    assert len(operations) == 7
    for operation in operations:
        await asyncio.to_thread(_explore, operation, base_url)
