"""What the documents API reads and answers."""

from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from shared.events.documents import KeptFor
from shared.mongo import Document

PARIS = ZoneInfo("Europe/Paris")
Filename = Field(min_length=1, max_length=255, pattern=r"^[^/\\\x00-\x1f]+$")


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LinkRequest(Input):
    email: EmailStr = Field(title="Adresse électronique", examples=["camille@example.org"])


class LinkSent(BaseModel):
    message: str


class SessionRequest(Input):
    token: str = Field(min_length=10, max_length=4000, title="Jeton du lien reçu")


class Session(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_at: datetime


class Rename(Input):
    filename: str = Filename


class ShareRequest(Input):
    reference: str = Field(min_length=1, max_length=32, pattern=r"^[0-9]{4}-[A-Z][0-9]{6,}$")
    tracking_token: str = Field(min_length=1, max_length=200, title="Code de suivi")


class ReadView(BaseModel):
    department: str
    read_at: datetime
    text: str = Field(examples=["consulté par le service Urbanisme le 02/12/2026 à 10:14"])


class ShareView(BaseModel):
    share_id: str
    request_id: str
    reference: str
    shared_at: datetime
    withdrawn_at: datetime | None
    active: bool


class DocumentView(BaseModel):
    document_id: str
    filename: str
    content_type: str
    size: int
    sha256: str
    kept_for: KeptFor
    uploaded_at: datetime
    updated_at: datetime
    shares: list[ShareView] = []
    reads: list[ReadView] = []


class DocumentPage(BaseModel):
    items: list[DocumentView]
    limit: int
    offset: int


class SharedDocument(BaseModel):
    kind: Literal["document", "attachment"]
    id: str
    filename: str
    content_type: str
    size: int
    shared_at: datetime | None = None
    content_url: str


def read_text(read: Document) -> str:
    when = read["read_at"].astimezone(PARIS)
    return f"consulté par le service {read['department_label']} le {when:%d/%m/%Y} à {when:%H:%M}"


def share_view(share: Document) -> ShareView:
    return ShareView(
        share_id=share["_id"],
        request_id=share["request_id"],
        reference=share["reference"],
        shared_at=share["shared_at"],
        withdrawn_at=share["withdrawn_at"],
        active=share["withdrawn_at"] is None,
    )


def document_view(doc: Document, shares: list[Document], reads: list[Document]) -> DocumentView:
    return DocumentView(
        document_id=doc["_id"],
        filename=doc["filename"],
        content_type=doc["content_type"],
        size=doc["size"],
        sha256=doc["sha256"],
        kept_for=KeptFor(doc["kept_for"]),
        uploaded_at=doc["uploaded_at"],
        updated_at=doc["updated_at"],
        shares=[share_view(s) for s in shares if s["document_id"] == doc["_id"]],
        reads=[
            ReadView(department=r["department"], read_at=r["read_at"], text=read_text(r))
            for r in reads
            if r["document_id"] == doc["_id"]
        ],
    )
