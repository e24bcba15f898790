"""Where file contents live: GridFS in the service's database, behind a small interface an
S3-compatible store can implement (put / get / delete by key)."""

import contextlib
from typing import Protocol

from gridfs import NoFile
from gridfs.asynchronous import AsyncGridFSBucket
from pymongo.asynchronous.database import AsyncDatabase

from shared.mongo import Document


class BlobStorage(Protocol):
    async def put(self, key: str, content: bytes, *, content_type: str) -> None: ...

    async def get(self, key: str) -> bytes | None: ...

    async def delete(self, key: str) -> None: ...


class GridFSStorage:
    def __init__(self, db: AsyncDatabase[Document], *, bucket: str = "files") -> None:
        # 1 MiB chunks: a quarter of the round trips of the 255 KiB default.
        self._bucket = AsyncGridFSBucket(db, bucket_name=bucket, chunk_size_bytes=1024 * 1024)

    async def put(self, key: str, content: bytes, *, content_type: str) -> None:
        await self._bucket.upload_from_stream_with_id(
            key, key, content, metadata={"content_type": content_type}
        )

    async def get(self, key: str) -> bytes | None:
        try:
            stream = await self._bucket.open_download_stream(key)
        except NoFile:
            return None
        return await stream.read()

    async def delete(self, key: str) -> None:
        with contextlib.suppress(NoFile):  # already gone: deleting is idempotent
            await self._bucket.delete(key)
