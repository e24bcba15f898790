"""Short-lived signed links to an attachment kept by the adapter that received it.

Tracking checks that the agent may see the request, then signs a link valid a few minutes;
the adapter holding the blob serves it only against a valid, unexpired signature. The HMAC
covers the adapter, the blob id and the expiry, so a link opens one blob, at one adapter,
until one instant; the key is shared by tracking and the adapters (never a public URL).
"""

import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Annotated, Protocol
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Path, Query, Response
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings

from shared.mongo import Document
from shared.problems import ProblemError

DEV_LINK_KEY = "relais-dev-attachment-links-change-me"
MAX_TTL_S = 300
REFUSED = "Lien de téléchargement invalide ou expiré : demandez un nouveau lien."


class AttachmentLinkSettings(BaseSettings):
    """Mixed into the settings of tracking and of every adapter that keeps attachments."""

    attachment_link_key: SecretStr = Field(
        default=SecretStr(DEV_LINK_KEY), description="HMAC key shared by tracking and adapters"
    )
    attachment_link_ttl_s: int = Field(default=MAX_TTL_S, ge=10, le=MAX_TTL_S)


class AttachmentReaderSettings(AttachmentLinkSettings):
    """For a service that signs links to the adapters' attachments (tracking, documents)."""

    attachment_adapters: dict[str, str] = Field(
        default_factory=lambda: {
            "portal": "http://127.0.0.1:8001",
            "desk": "http://127.0.0.1:8002",
            "web": "http://127.0.0.1:8003",
            "email_adapter": "http://127.0.0.1:8005",
        },
        description="Base URL of each adapter keeping attachments (JSON)",
    )


class BlobSource(Protocol):
    """Where the router reads blobs (an adapter's BlobStore)."""

    async def attachment(self, attachment_id: str) -> Document | None: ...


@dataclass(frozen=True)
class StorageRef:
    adapter: str
    blob_id: str


def parse_storage_ref(storage_ref: str) -> StorageRef | None:
    """`portal:attachments/<id>` -> (portal, <id>); None for anything else."""
    adapter, _, path = storage_ref.partition(":")
    kind, _, blob_id = path.partition("/")
    if not adapter or kind != "attachments" or not blob_id or "/" in blob_id:
        return None
    return StorageRef(adapter=adapter, blob_id=blob_id)


def signature(*, key: str, adapter: str, blob_id: str, expires: int) -> str:
    message = f"{adapter}\n{blob_id}\n{expires}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def signed_path(*, key: str, adapter: str, blob_id: str, expires: int) -> str:
    """Path and query of the download, to append to the adapter's base URL."""
    sig = signature(key=key, adapter=adapter, blob_id=blob_id, expires=expires)
    return f"/v1/attachments/{quote(blob_id)}?{urlencode({'expires': expires, 'sig': sig})}"


def is_valid(
    *, key: str, adapter: str, blob_id: str, expires: int, sig: str, now: float | None = None
) -> bool:
    if expires < (time.time() if now is None else now):
        return False
    expected = signature(key=key, adapter=adapter, blob_id=blob_id, expires=expires)
    return hmac.compare_digest(expected.encode(), sig.encode())


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback and the UTF-8 name (RFC 6266)."""
    fallback = filename.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def download_router(*, blobs: BlobSource, adapter: str, key: SecretStr) -> APIRouter:
    """`GET /v1/attachments/{blob_id}?expires=..&sig=..` for one adapter's blobs."""
    router = APIRouter(prefix="/v1", tags=["attachments"])

    @router.get(
        "/attachments/{blob_id}",
        summary="Télécharger une pièce jointe (lien signé délivré par le suivi)",
        response_class=Response,
        responses={
            200: {"description": "Le fichier", "content": {"application/octet-stream": {}}},
            403: {"description": "Lien invalide ou expiré"},
            404: {"description": "Pièce jointe introuvable"},
        },
    )
    async def download(
        blob_id: Annotated[str, Path(max_length=64)],
        expires: Annotated[int, Query(ge=0)],
        sig: Annotated[str, Query(max_length=128)],
    ) -> Response:
        secret = key.get_secret_value()
        if not is_valid(key=secret, adapter=adapter, blob_id=blob_id, expires=expires, sig=sig):
            raise ProblemError(403, REFUSED)
        blob = await blobs.attachment(blob_id)
        if blob is None:
            raise ProblemError(404, "Pièce jointe introuvable.")
        headers = {
            "Content-Disposition": content_disposition(blob["filename"]),
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        }
        return Response(bytes(blob["content"]), media_type=blob["content_type"], headers=headers)

    return router
