"""Property test: whatever a client sends within (or outside) the portal's OpenAPI document,
the portal answers without a server error, with a problem document when it refuses."""

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis import Response

from services.portal.app import build_app
from services.portal.forms import today
from services.portal.settings import PortalSettings
from shared.catalogue import load_catalogue
from tests.conftest import dropped, namespaced
from tests.properties import explore_all
from tests.support import serve_app

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
    "messages": {"text": "Voici une précision."},  # a citizen's follow-up
}


@pytest.fixture
async def base_url(topic_prefix: str) -> AsyncIterator[str]:
    settings = PortalSettings(**namespaced(topic_prefix, "portal"))
    async with dropped(settings.database_name), serve_app(build_app(settings)) as base:
        yield base


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


def _check(case: schemathesis.Case, response: Response) -> None:
    if response.status_code >= 400:
        assert json.loads(response.content)["detail"]
    elif case.method == "POST":
        assert response.status_code == 202
        accepted = json.loads(response.content)
        assert accepted["reference"] in accepted.get("status_url", accepted["reference"])


@pytest.mark.timeout(240)
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
async def test_no_request_makes_the_portal_fail(base_url: str) -> None:
    await explore_all(SCHEMA, count=9, base_url=base_url, prepare=_steer, check=_check)
