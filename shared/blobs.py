"""Raw originals and attachments kept in the adapter's own database, with limits."""

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from bson import Binary
from pymongo.asynchronous.database import AsyncDatabase

from shared.events import Attachment
from shared.mongo import Document, insert_once

RAW = "raw_originals"
ATTACHMENTS = "attachments"
ALLOWED_TYPES = frozenset(
    {
        "application/pdf",
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "image/heic",
        "image/tiff",
        "text/plain",
        "text/csv",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
)


class AttachmentRefused(ValueError):
    """The attachment breaks a limit; the message is French, for the citizen or agent."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 10 * 1024 * 1024
    max_count: int = 10
    allowed_types: frozenset[str] = ALLOWED_TYPES


class BlobStore:
    def __init__(
        self, *, db: AsyncDatabase[Document], service: str, limits: Limits | None = None
    ) -> None:
        self._db = db
        self._service = service
        self.limits = limits or Limits()

    async def keep_raw(self, *, content: bytes, content_type: str, channel: str) -> str:
        """Store the untouched original; returns its reference (`raw_ref`)."""
        raw_id = uuid.uuid4().hex
        # A fresh id: if it is already there, a retried insert of ours had landed.
        await insert_once(
            self._db,
            RAW,
            {
                "_id": raw_id,
                "channel": channel,
                "content_type": content_type,
                "size": len(content),
                "content": Binary(content),
                "received_at": datetime.now(UTC),
            },
        )
        return f"{self._service}:raw/{raw_id}"

    @property
    def service(self) -> str:
        return self._service

    async def attachment(self, attachment_id: str) -> Document | None:
        """A kept attachment (filename, content type, content), by its id."""
        return await self._db[ATTACHMENTS].find_one({"_id": attachment_id})

    async def raw(self, raw_ref: str) -> Document | None:
        return await self._db[RAW].find_one({"_id": raw_ref.rsplit("/", 1)[-1]})

    def check(self, *, filename: str, content_type: str, size: int, index: int = 0) -> None:
        if index >= self.limits.max_count:
            raise AttachmentRefused(f"Au plus {self.limits.max_count} pièces jointes.")
        if size > self.limits.max_bytes:
            raise AttachmentRefused(
                f"La pièce jointe « {filename} » dépasse {self.limits.max_bytes // 1048576} Mo."
            )
        if content_type.split(";")[0].strip().lower() not in self.limits.allowed_types:
            raise AttachmentRefused(
                f"Le type de fichier de « {filename} » ({content_type}) n'est pas accepté."
            )

    async def keep_attachment(
        self, *, filename: str, content_type: str, content: bytes, index: int = 0
    ) -> Attachment:
        kind = content_type.split(";")[0].strip().lower()
        self.check(filename=filename, content_type=kind, size=len(content), index=index)
        attachment_id = uuid.uuid4().hex
        digest = hashlib.sha256(content).hexdigest()
        await insert_once(  # a fresh id, as above
            self._db,
            ATTACHMENTS,
            {
                "_id": attachment_id,
                "filename": filename,
                "content_type": kind,
                "size": len(content),
                "sha256": digest,
                "content": Binary(content),
                "stored_at": datetime.now(UTC),
            },
        )
        return Attachment(
            attachment_id=attachment_id,
            filename=filename[:255] or "piece-jointe",
            content_type=kind,
            size=len(content),
            sha256=digest,
            storage_ref=f"{self._service}:attachments/{attachment_id}",
        )
