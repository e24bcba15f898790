"""Contracts of the citizens' document space (topic `relais.documents.v1`, key document id),
and the two events a share puts on its request's timeline (topic `relais.requests.v1`)."""

from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field

from shared.events.common import AwareDatetime, Department, RequestId
from shared.events.request import Event
from shared.events.stream import StreamEvent

DocumentId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
OwnerId = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the e-mail")]


class KeptFor(StrEnum):
    """Why the document is kept: the citizen's own space, or only for a request."""

    OWN = "own"
    REQUEST = "request"


class DeletedBecause(StrEnum):
    CITIZEN = "citizen"
    RETENTION = "retention"


class DocumentEvent(StreamEvent):
    key_field: ClassVar[str] = "document_id"
    document_id: DocumentId
    owner: OwnerId


class DocumentUploaded(DocumentEvent):
    """A citizen's file passed the checks (size, type by content, virus scan) and is stored."""

    event_type: ClassVar[str] = "relais.document.uploaded.v1"
    content_type: str = Field(min_length=3, max_length=127)
    size: int = Field(ge=1)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    kept_for: KeptFor
    uploaded_at: AwareDatetime


class DocumentShared(DocumentEvent):
    """The citizen shared the document with one of their requests."""

    event_type: ClassVar[str] = "relais.document.shared.v1"
    share_id: DocumentId
    request_id: RequestId
    shared_at: AwareDatetime


class DocumentShareWithdrawn(DocumentEvent):
    event_type: ClassVar[str] = "relais.document.share_withdrawn.v1"
    share_id: DocumentId
    request_id: RequestId
    withdrawn_at: AwareDatetime


class DocumentRead(DocumentEvent):
    """An agent opened a shared document (the citizen sees it in their list)."""

    event_type: ClassVar[str] = "relais.document.read.v1"
    share_id: DocumentId
    request_id: RequestId
    agent_id: str = Field(min_length=1, max_length=100)
    department: Department
    read_at: AwareDatetime


class DocumentDeleted(DocumentEvent):
    event_type: ClassVar[str] = "relais.document.deleted.v1"
    because: DeletedBecause
    deleted_at: AwareDatetime


class RequestDocumentShared(Event):
    """On the request's timeline: the citizen shared a document with it."""

    event_type: ClassVar[str] = "relais.request.document_shared.v1"
    document_id: DocumentId
    share_id: DocumentId
    content_type: str = Field(min_length=3, max_length=127)
    size: int = Field(ge=1)
    shared_at: AwareDatetime


class RequestDocumentWithdrawn(Event):
    """On the request's timeline: the citizen withdrew a shared document."""

    event_type: ClassVar[str] = "relais.request.document_withdrawn.v1"
    document_id: DocumentId
    share_id: DocumentId
    withdrawn_at: AwareDatetime


DOCUMENT_EVENTS: tuple[type[DocumentEvent], ...] = (
    DocumentUploaded,
    DocumentShared,
    DocumentShareWithdrawn,
    DocumentRead,
    DocumentDeleted,
)
