"""Agents download attachments through tracking's signed links, under the request's access rules.

Real tracking (broker, store, OpenID Connect tokens) signs the link; the blob is kept in a real
store by a BlobStore and served by the shared download router, as every adapter does.
"""

import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from pydantic import SecretStr

from shared.attachment_links import download_router
from shared.blobs import BlobStore
from shared.events import Attachment
from shared.http import create_app
from shared.mongo import connect
from tests.conftest import KAFKA, MONGODB_URI
from tests.integration.tracking_support import Service, tracking_service
from tests.oidc import Provider, oidc_provider
from tests.support import fresh_topics, serve_app

DEPARTMENT = "services_techniques"
OTHER = "urbanisme"
PHOTO = b"\x89PNG\r\n\x1a\n" + b"nid-de-poule" * 100


@dataclass
class World:
    tracking: Service
    adapter: str
    attachment: Attachment
    request_id: str

    def agent(self, department: str) -> dict[str, str]:
        return self.tracking.auth(f"agent-{department}", department=department, roles=["agent"])


@pytest.fixture(scope="module")
async def world() -> AsyncIterator[World]:
    database = f"test_portal_blobs_{uuid.uuid4().hex[:8]}"
    client = connect(uri=MONGODB_URI)
    blobs = BlobStore(db=client[database], service="portal")
    portal = create_app(title="portal", description="blobs")
    portal.include_router(download_router(blobs=blobs, adapter="portal", key=_key()))
    try:
        kept = await blobs.keep_attachment(
            filename="photo du trou.png", content_type="image/png", content=PHOTO
        )
        with oidc_provider() as provider:
            async with (
                fresh_topics(KAFKA) as prefix,
                serve_app(portal) as portal_url,
                _tracking(provider, prefix, portal_url) as t,
            ):
                request = await t.routed(DEPARTMENT, attachments=[kept])
                yield World(
                    tracking=t, adapter=portal_url, attachment=kept, request_id=request.request_id
                )
    finally:
        await client.drop_database(database)
        await client.close()


def _key() -> SecretStr:
    return SecretStr("clé-partagée-des-tests-d-intégration")


def _tracking(
    provider: Provider, prefix: str, portal_url: str
) -> AbstractAsyncContextManager[Service]:
    return tracking_service(
        provider,
        prefix,
        attachment_adapters={"portal": portal_url},
        attachment_link_key=_key(),
        attachment_link_ttl_s=120,
    )


async def _link(world: World, department: str) -> httpx.Response:
    path = f"/v1/requests/{world.request_id}/attachments/0/link"
    return await world.tracking.http.get(path, headers=world.agent(department))


async def test_an_agent_of_the_department_downloads_the_bytes(world: World) -> None:
    response = await _link(world, DEPARTMENT)
    assert response.status_code == 200, response.text
    link = response.json()
    assert link["filename"] == "photo du trou.png" and link["size"] == len(PHOTO)
    expires_at = datetime.fromisoformat(link["expires_at"])
    assert expires_at <= datetime.now(UTC) + timedelta(minutes=5)
    async with httpx.AsyncClient() as http:
        download = await http.get(link["url"])
    assert download.status_code == 200
    assert download.content == PHOTO
    assert download.headers["content-type"] == "image/png"
    assert download.headers["content-disposition"].startswith("attachment;")


async def test_forged_and_expired_links_are_refused(world: World) -> None:
    url = (await _link(world, DEPARTMENT)).json()["url"]
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    expires, sig = int(query["expires"][0]), query["sig"][0]
    base = f"{parts.scheme}://{parts.netloc}{parts.path}"
    forged = {"expires": expires, "sig": sig[:-1] + ("0" if sig[-1] != "0" else "1")}
    longer = {"expires": expires + 86400, "sig": sig}
    other_blob = {"expires": expires, "sig": sig}
    async with httpx.AsyncClient() as http:
        for target, params in (
            (base, forged),
            (base, longer),
            (world.adapter + "/v1/attachments/" + "0" * 32, other_blob),
        ):
            refused = await http.get(target, params=params)
            assert refused.status_code == 403
            assert refused.headers["content-type"] == "application/problem+json"
            assert "expiré" in refused.json()["detail"]
        past = await http.get(base, params={"expires": 1_000_000, "sig": sig})
        assert past.status_code == 403


async def test_another_department_gets_the_same_404_as_an_unknown_request(world: World) -> None:
    theirs = await _link(world, OTHER)
    unknown = await world.tracking.http.get(
        f"/v1/requests/{'f' * 32}/attachments/0/link", headers=world.agent(OTHER)
    )
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json() == unknown.json()
    assert "url" not in theirs.text
    missing = await world.tracking.http.get(
        f"/v1/requests/{world.request_id}/attachments/5/link", headers=world.agent(DEPARTMENT)
    )
    assert missing.status_code == 404
