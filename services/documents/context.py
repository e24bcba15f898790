"""The service's resources, kept on app.state and handed to routes as a dependency."""

from dataclasses import dataclass
from typing import Annotated

import httpx
from fastapi import Depends, Request

from services.documents.mailer import LinkSender
from services.documents.scanning import Scanner
from services.documents.settings import DocumentsSettings
from services.documents.storage import BlobStorage
from shared.outbox_service import OutboxService


@dataclass(frozen=True)
class Documents(OutboxService[DocumentsSettings]):
    storage: BlobStorage
    scanner: Scanner
    sender: LinkSender
    http: httpx.AsyncClient
    """To the adapters keeping attachments (signed links)."""


def _documents(request: Request) -> Documents:
    documents: Documents = request.app.state.documents
    return documents


Context = Annotated[Documents, Depends(_documents)]
