"""What the contact book keeps for channels: the chatbot conversation, Messenger's window."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from services.notification.channels.base import ContactPoint, Notice, Sent
from services.web.drafts import chatbot_draft, facebook_draft
from services.web.facebook_events import FacebookMessage
from services.web.schemas import ChatbotMessage
from shared.events import Channel, CitizenMessageReceived, ContactPreference, FormData
from tests.factories import envelope, routed_for, submitted
from tests.notification_support import wired

SUBMITTED_AT = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


@dataclass
class Recorder:
    name: ClassVar[str] = "facebook"
    sent: list[tuple[Notice, ContactPoint]]

    async def send(self, notice: Notice, to: ContactPoint) -> Sent:
        self.sent.append((notice, to))
        return Sent(provider_id="mid-1")


class ChatbotRecorder(Recorder):
    name: ClassVar[str] = "chatbot"


def _draft_fields(draft: Any) -> dict[str, Any]:
    return {
        "channel": draft.channel,
        "citizen": draft.citizen,
        "form": draft.form,
        "submitted_at": SUBMITTED_AT,
    }


async def test_messenger_s_window_opens_at_intake_and_with_each_message() -> None:
    facebook = Recorder(sent=[])
    w = wired(extra=[facebook])
    draft = facebook_draft(FacebookMessage(psid="psid-42", mid="m-1", text="Bonjour"))
    request = submitted(**_draft_fields(draft))
    later = SUBMITTED_AT + timedelta(hours=30)
    message = CitizenMessageReceived(
        request_id=request.request_id,
        reference=request.reference,
        channel=Channel.FACEBOOK,
        text="Toujours là ?",
        received_at=later,
    )
    await w.harness.feed(envelope(request))
    contact = await w.notifier.contacts.get(request_id=request.request_id)
    assert contact.last_inbound_at == SUBMITTED_AT and contact.intake_channel == "facebook"
    await w.harness.feed(envelope(message), envelope(routed_for(request)))

    [(_, point)] = facebook.sent
    assert (point.channel, point.address) == ("facebook", "psid-42")
    assert point.extra == {"last_inbound_at": later.isoformat()}


async def test_the_chatbot_conversation_is_carried_to_the_channel() -> None:
    chatbot = ChatbotRecorder(sent=[])
    w = wired(extra=[chatbot])
    draft = chatbot_draft(
        ChatbotMessage(conversation_id="conv-9", message_id="x-1", text="Lampadaire cassé")
    )
    request = submitted(
        **(
            _draft_fields(draft)
            | {
                "citizen": draft.citizen.model_copy(
                    update={"preferred_contact": ContactPreference.CHATBOT}
                )
            }
        )
    )
    assert request.form == FormData(
        form_type="chatbot", fields={"conversation_id": "conv-9", "intent": None}
    )
    await w.harness.feed(envelope(request), envelope(routed_for(request)))

    [(notice, point)] = chatbot.sent
    assert (point.channel, point.address, point.extra) == (
        "chatbot",
        "conv-9",
        {"conversation_id": "conv-9"},
    )
    assert notice.reference == request.reference
