"""What the web channel routes work with: intakes per channel, raw store, directory, threads."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from pymongo.asynchronous.database import AsyncDatabase

from services.web.locks import KeyedLocks
from services.web.ratelimit import SlidingWindowLimiter
from services.web.settings import WebSettings
from services.web.threads import Threads
from shared.blobs import BlobStore
from shared.directory import RequestDirectory
from shared.events import Channel
from shared.http import app_state
from shared.intake import Intake
from shared.mongo import Document


@dataclass(frozen=True)
class Web:
    settings: WebSettings
    db: AsyncDatabase[Document]
    intakes: Mapping[Channel, Intake]
    blobs: BlobStore
    directory: RequestDirectory
    threads: Threads
    limiter: SlidingWindowLimiter
    conversations: KeyedLocks

    async def keep_raw(self, *, content: bytes, content_type: str, channel: Channel) -> str:
        return await self.blobs.keep_raw(
            content=content, content_type=content_type, channel=str(channel)
        )


WebContext = Annotated[Web, Depends(app_state("web"))]
