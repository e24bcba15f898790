"""Signed attachment links: what the shared download router serves, and what it refuses."""

import time
import uuid
from typing import Any

import httpx
from bson import Binary
from pydantic import SecretStr

from shared.attachment_links import download_router, parse_storage_ref, signed_path
from shared.http import create_app

KEY = "une-clé-de-test-assez-longue"
PDF = b"%PDF-1.4 arr\xc3\xaat\xc3\xa9 municipal"


class Blobs:
    """What an adapter's BlobStore.attachment answers, without a store."""

    def __init__(self) -> None:
        self.kept: dict[str, dict[str, Any]] = {}

    async def attachment(self, attachment_id: str) -> dict[str, Any] | None:
        return self.kept.get(attachment_id)


async def _served() -> tuple[httpx.AsyncClient, str]:
    blobs = Blobs()
    blob_id = uuid.uuid4().hex
    blobs.kept[blob_id] = {
        "filename": "arrêté n°12.pdf",
        "content_type": "application/pdf",
        "content": Binary(PDF),
    }
    app = create_app(title="t", description="t")
    app.include_router(
        download_router(
            blobs=blobs,
            adapter="portal",
            key=SecretStr(KEY),
        )
    )
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url="http://portal"), blob_id


def test_storage_refs_name_the_adapter_and_the_blob() -> None:
    ref = parse_storage_ref("email_adapter:attachments/ab12")
    assert ref is not None and (ref.adapter, ref.blob_id) == ("email_adapter", "ab12")
    assert parse_storage_ref("portal:raw/ab12") is None
    assert parse_storage_ref("ab12") is None


async def test_a_valid_link_downloads_the_bytes_as_an_attachment() -> None:
    http, blob_id = await _served()
    path = signed_path(key=KEY, adapter="portal", blob_id=blob_id, expires=int(time.time()) + 60)
    async with http:
        response = await http.get(path)
    assert response.status_code == 200
    assert response.content == PDF
    assert response.headers["content-type"] == "application/pdf"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''arr%C3%AAt%C3%A9%20n%C2%B012.pdf" in disposition


async def test_expired_forged_and_misdirected_links_are_refused_in_french() -> None:
    http, blob_id = await _served()
    soon = int(time.time()) + 60
    expired = signed_path(key=KEY, adapter="portal", blob_id=blob_id, expires=int(time.time()) - 1)
    forged = signed_path(
        key="une-autre-clé-inconnue", adapter="portal", blob_id=blob_id, expires=soon
    )
    elsewhere = signed_path(key=KEY, adapter="desk", blob_id=blob_id, expires=soon)
    extended = signed_path(key=KEY, adapter="portal", blob_id=blob_id, expires=soon).replace(
        f"expires={soon}", f"expires={soon + 3600}"
    )
    async with http:
        for path in (expired, forged, elsewhere, extended):
            response = await http.get(path)
            assert response.status_code == 403, path
            assert response.headers["content-type"] == "application/problem+json"
            assert "expiré" in response.json()["detail"]
            assert PDF not in response.content
        unknown = signed_path(key=KEY, adapter="portal", blob_id="0" * 32, expires=soon)
        assert (await http.get(unknown)).status_code == 404
