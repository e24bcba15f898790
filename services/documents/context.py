"""The service's resources, kept on app.state and handed to routes as a dependency."""

from dataclasses import dataclass
from typing import Annotated

import httpx
from fastapi import Depends, Request
from pymongo.asynchronous.database import AsyncDatabase

from services.documents.mailer import LinkSender
from services.documents.scanning import Scanner
from services.documents.settings import DocumentsSettings
from services.documents.storage import BlobStorage
from shared.mongo import Document
from shared.outbox import Outbox
from shared.runtime import Runtime


@dataclass(frozen=True)
class Documents:
    settings: DocumentsSettings
    runtime: Runtime
    storage: BlobStorage
    scanner: Scanner
    sender: LinkSender
    outbox: Outbox
    http: httpx.AsyncClient
    """To the adapters keeping attachments (signed links)."""

    @property
    def db(self) -> AsyncDatabase[Document]:
        return self.runtime.db

    def topic(self, name: str) -> str:
        return self.settings.topic_prefix + name


def _documents(request: Request) -> Documents:
    documents: Documents = request.app.state.documents
    return documents


Context = Annotated[Documents, Depends(_documents)]
