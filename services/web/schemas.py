"""What the web channels accept and answer (the public contract of this adapter)."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from shared.inputs import BlankIsAbsent
from shared.phones import FrenchPhone

Category = Annotated[
    str,
    Field(
        max_length=64,
        description="Code de catégorie (GET /v1/contact/categories) ; un code inconnu est "
        "accepté et la demande est orientée par le service d'accueil.",
    ),
]


class Lenient(BlankIsAbsent):
    """Browsers and bots add fields of their own (buttons, tokens): they are ignored."""

    model_config = ConfigDict(extra="ignore")


class ContactForm(Lenient):
    name: str | None = Field(default=None, max_length=200, examples=["Camille Martin"])
    email: EmailStr = Field(examples=["camille.martin@example.org"])
    phone: FrenchPhone | None = Field(default=None, examples=["06 12 34 56 78"])
    subject: str | None = Field(default=None, max_length=300)
    message: str = Field(min_length=1, max_length=5000)
    category: Category | None = None


class ContactAccepted(BaseModel):
    id: str
    reference: str = Field(examples=["2026-F000001"])
    tracking_token: str = Field(description="À conserver : permet de suivre la demande")
    status_url: str
    message: str


class CategoryItem(BaseModel):
    code: str
    label: str


class ChatbotUser(Lenient):
    name: str | None = Field(default=None, max_length=200)
    email: EmailStr | None = None
    phone: FrenchPhone | None = None


class ChatbotMessage(Lenient):
    conversation_id: str = Field(min_length=1, max_length=200)
    message_id: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=5000)
    user: ChatbotUser = Field(default_factory=ChatbotUser)
    category: Category | None = None
    intent: str | None = Field(default=None, max_length=100)


class ChatbotAccepted(BaseModel):
    id: str
    reference: str = Field(examples=["2026-B000001"])
    follow_up: bool = Field(description="Message ajouté à la demande déjà ouverte")
    duplicate: bool = Field(description="Message déjà reçu : même réponse, rien de nouveau")
    tracking_token: str | None = Field(
        default=None, description="Pour une nouvelle demande seulement"
    )
    status_url: str
    message: str


class WebhookReceipt(BaseModel):
    new_requests: int = 0
    follow_ups: int = 0
    duplicates: int = 0
    ignored: int = 0
