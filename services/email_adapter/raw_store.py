"""Every received message kept byte for byte; large ones in GridFS (documents stop at 16 MiB)."""

import contextlib

from bson import ObjectId
from bson.errors import InvalidId
from gridfs import AsyncGridFSBucket
from gridfs.errors import FileExists, NoFile
from pymongo.asynchronous.database import AsyncDatabase

from shared.blobs import BlobStore
from shared.mongo import Document

CONTENT_TYPE = "message/rfc822"
INLINE_LIMIT = 15 * 1024 * 1024
BUCKET = "raw_large"


class RawStore:
    def __init__(self, *, db: AsyncDatabase[Document], blobs: BlobStore, service: str) -> None:
        self._blobs = blobs
        self._bucket = AsyncGridFSBucket(db, bucket_name=BUCKET)
        self._prefix = f"{service}:{BUCKET}/"

    async def keep(self, content: bytes) -> str:
        """Store the original; returns its `raw_ref`."""
        if len(content) <= INLINE_LIMIT:
            return await self._blobs.keep_raw(
                content=content, content_type=CONTENT_TYPE, channel="email"
            )
        try:
            file_id = await self._upload(content)
        except FileExists:
            # A chunk write the driver retried after it had landed: start over under a new id.
            file_id = await self._upload(content)
        return f"{self._prefix}{file_id}"

    async def _upload(self, content: bytes) -> ObjectId:
        file_id = ObjectId()
        metadata = {"content_type": CONTENT_TYPE, "channel": "email"}
        try:
            await self._bucket.upload_from_stream_with_id(
                file_id, "message.eml", content, metadata=metadata
            )
        except FileExists:
            with contextlib.suppress(NoFile):
                await self._bucket.delete(file_id)  # its chunks, and its file entry if any
            raise
        return file_id

    async def load(self, raw_ref: str) -> bytes | None:
        if raw_ref.startswith(self._prefix):
            try:
                stream = await self._bucket.open_download_stream(ObjectId(raw_ref.rsplit("/")[-1]))
            except (InvalidId, NoFile):
                return None
            return bytes(await stream.read())
        doc = await self._blobs.raw(raw_ref)
        return bytes(doc["content"]) if doc else None
