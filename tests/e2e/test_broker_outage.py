"""With the broker stopped the portal answers 503, never 202; when it returns, requests flow
again without restarting any service."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.broker import DisposableBroker
from tests.e2e.conftest import Pipeline, drop_databases, start_pipeline
from tests.e2e.flow import AGENT_TOKEN, REQUEST, department_label, routed_view
from tests.support import eventually
from tools.devstack import stop_services


@pytest.fixture(scope="module")
async def own_broker(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[DisposableBroker]:
    broker = DisposableBroker(tmp_path_factory.mktemp("broker"))
    await broker.start()
    yield broker
    broker.stop()


@pytest.fixture(scope="module")
async def outage_pipeline(
    own_broker: DisposableBroker, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Pipeline]:
    running = await start_pipeline(
        Path(tmp_path_factory.mktemp("outage")), bootstrap=own_broker.bootstrap
    )
    yield running
    stop_services(running.handles)
    await drop_databases(running)


async def _count_requests(client: httpx.AsyncClient, tracking: str) -> int:
    response = await client.get(
        f"{tracking}/v1/requests",
        params={"limit": 100},
        headers={"authorization": f"Bearer {AGENT_TOKEN}"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    items = body["items"] if isinstance(body, dict) else body
    return len(items)


async def test_portal_refuses_while_the_broker_is_down_and_recovers_without_restart(
    own_broker: DisposableBroker, outage_pipeline: Pipeline
) -> None:
    portal, tracking = outage_pipeline.url("portal"), outage_pipeline.url("tracking")
    async with httpx.AsyncClient(timeout=30) as client:
        first = await client.post(f"{portal}/v1/requests", json=REQUEST)
        assert first.status_code == 202
        await routed_view(client, tracking, first.json())

        own_broker.stop()
        for _ in range(3):
            refused = await client.post(f"{portal}/v1/requests", json=REQUEST)
            assert refused.status_code == 503, refused.text
            assert refused.headers["retry-after"]
            assert refused.headers["content-type"].startswith("application/problem+json")

        await own_broker.start()
        accepted: list[dict] = []

        async def accepted_again() -> bool:
            response = await client.post(f"{portal}/v1/requests", json=REQUEST)
            assert response.status_code in (202, 503), response.text
            if response.status_code == 202:
                accepted.append(response.json())
            return bool(accepted)

        await eventually(accepted_again, timeout=60, interval=1.0)
        view = await routed_view(client, tracking, accepted[0], timeout=60)
        assert department_label(view) == "Services techniques"
        # Only the two acknowledged requests exist: nothing refused was published later.
        assert await _count_requests(client, tracking) == 2
