"""What the mail room's HTTP API answers (agents' console and tools)."""

from datetime import datetime

from pydantic import BaseModel, Field


class PostedBy(BaseModel):
    agent_id: str
    name: str


class LetterSummary(BaseModel):
    id: str = Field(description="Identifiant du courrier (trié par date de création)")
    reference: str
    request_id: str
    template: str = Field(description="Modèle : acknowledgement, status_changed...")
    subject: str = Field(description="Objet du courrier")
    recipient: str = Field(description="Destinataire (première ligne de l'adresse)")
    state: str = Field(description="queued (à envoyer) ou posted (posté)")
    pages: int
    size: int = Field(description="Taille du PDF en octets")
    created_at: datetime
    posted_at: datetime | None = None
    posted_by: PostedBy | None = None
    pdf_url: str


class LetterPage(BaseModel):
    items: list[LetterSummary]
    limit: int
    next_cursor: str | None = Field(description="Curseur de la page suivante (absent : fin)")
