"""Property test: whatever a client sends to the tracking API, within or outside its OpenAPI
document, the answer is never a server error."""

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import schemathesis
from hypothesis import strategies as st

from services.tracking import store
from services.tracking.app import build_app
from services.tracking.settings import TrackingSettings
from shared.auth import DEV_SECRET, Agent, issue_token
from shared.envelope import Envelope
from shared.mongo import connect
from tests.conftest import MONGODB_URI, dropped, namespaced
from tests.factories import TOKEN, submitted
from tests.properties import explore_all
from tests.support import serve_app

EXAMPLES_PER_OPERATION = 40
SCHEMA = schemathesis.openapi.from_dict(build_app().openapi()).include(path_regex="^/v1/")
# Development (HS256) tokens; tests/integration/test_tracking_access.py covers OIDC and roles.
AGENT = Agent(
    agent_id="julie-moreau",
    name="Julie Moreau",
    department="services_techniques",
    roles=["agent", "admin"],
)
AUTH = f"Bearer {issue_token(agent=AGENT, secret=DEV_SECRET)}"
KNOWN = submitted()


@pytest.fixture
async def base_url(topic_prefix: str) -> AsyncIterator[str]:
    settings = TrackingSettings(**namespaced(topic_prefix, "tracking"))
    client = connect(uri=MONGODB_URI)
    try:
        async with dropped(settings.database_name):
            await store.apply_event(
                db=client[settings.database_name],
                envelope=Envelope(data=KNOWN, source="/relais/tests"),
                reopen_window=timedelta(days=15),
            )
            async with serve_app(build_app(settings)) as base:
                yield base
    finally:
        await client.close()


def _steer(case: schemathesis.Case, data: st.DataObject) -> None:
    """Reach past authentication and lookups often, not only the first checks."""
    if data.draw(st.booleans()):
        case.headers = {**(case.headers or {}), "Authorization": AUTH}
    if isinstance(case.path_parameters, dict) and data.draw(st.booleans()):
        if "request_id" in case.path_parameters:
            case.path_parameters["request_id"] = KNOWN.request_id
        if "reference" in case.path_parameters:
            case.path_parameters["reference"] = KNOWN.reference
            case.headers = {**(case.headers or {}), "X-Tracking-Token": TOKEN}


@pytest.mark.timeout(300)
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
async def test_no_request_makes_tracking_fail(base_url: str) -> None:
    await explore_all(
        SCHEMA, count=21, base_url=base_url, examples=EXAMPLES_PER_OPERATION, prepare=_steer
    )
