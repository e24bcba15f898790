"""Facebook page webhook payloads: the citizens' messages they carry (pure logic).

`{object: "page", entry: [{id, time, messaging: [{sender: {id}, recipient: {id}, timestamp,
message: {mid, text, attachments?, is_echo?}}]}]}`. Echoes (the page's own messages) and
other events (delivery, read, postback...) are not citizens' messages.
"""

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

MAX_TEXT = 20000
KINDS_FR = {
    "image": "image",
    "video": "vidéo",
    "audio": "audio",
    "file": "fichier",
    "location": "localisation",
    "fallback": "lien",
}


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Party(_Lenient):
    id: str = Field(min_length=1, max_length=64)


class FacebookAttachment(_Lenient):
    type: str = Field(default="file", max_length=32)
    payload: dict[str, Any] | None = None

    @property
    def url(self) -> str | None:
        url = (self.payload or {}).get("url")
        return url if isinstance(url, str) and url else None


class MessageBody(_Lenient):
    mid: str = Field(min_length=1, max_length=400)
    text: str | None = Field(default=None, max_length=20000)
    attachments: list[FacebookAttachment] = Field(default_factory=list, max_length=50)
    is_echo: bool = False


class Messaging(_Lenient):
    sender: Party
    recipient: Party | None = None
    message: MessageBody | None = None


class Webhook(_Lenient):
    """What is validated at once; each messaging event is validated on its own, so one odd
    event does not hold back the others."""

    object: str = Field(max_length=64)
    entry: list[dict[str, Any]] = Field(default_factory=list)


class EntryDocument(_Lenient):
    id: str
    time: int
    messaging: list[Messaging] = Field(default_factory=list)


class WebhookDocument(_Lenient):
    """The payload as documented in the OpenAPI description."""

    object: str = Field(examples=["page"])
    entry: list[EntryDocument]


@dataclass(frozen=True)
class FacebookMessage:
    psid: str
    mid: str
    text: str | None
    attachments: tuple[FacebookAttachment, ...] = ()

    @property
    def description(self) -> str:
        """The text, and a French mention of the attachments' addresses."""
        parts = [self.text.strip()] if self.text and self.text.strip() else []
        if self.attachments:
            lines = [f"- {_kind(a)} : {a.url or '(sans lien)'}" for a in self.attachments]
            parts.append("Pièces jointes envoyées sur Facebook :\n" + "\n".join(lines))
        return "\n\n".join(parts)[:MAX_TEXT]


@dataclass
class Sorted:
    messages: list[FacebookMessage] = field(default_factory=list)
    ignored: int = 0
    invalid: int = 0


def _kind(attachment: FacebookAttachment) -> str:
    return KINDS_FR.get(attachment.type, attachment.type)


def citizens_messages(webhook: Webhook) -> Sorted:
    """The citizens' messages of a page webhook, in order; counts what was left aside."""
    result = Sorted()
    for entry in webhook.entry:
        events = entry.get("messaging") if isinstance(entry, dict) else None
        for raw in events if isinstance(events, list) else []:
            try:
                event = Messaging.model_validate(raw)
            except ValidationError:
                result.invalid += 1
                continue
            message = event.message
            if message is None or message.is_echo:
                result.ignored += 1
                continue
            found = FacebookMessage(
                psid=event.sender.id,
                mid=message.mid,
                text=message.text,
                attachments=tuple(message.attachments),
            )
            if found.description:
                result.messages.append(found)
            else:
                result.ignored += 1
    return result
