"""Each channel's message as a request draft for shared intake (pure logic).

The conversational channels' drafts have no raw reference yet: delivery keeps the raw
original only when the message turns out to be new, and adds its reference then.
"""

from services.web.facebook_events import FacebookMessage
from services.web.schemas import ChatbotMessage, ContactForm
from shared.events import Channel, Citizen, ContactPreference, FormData
from shared.intake import RequestDraft

MAX_DESCRIPTION = 20000


def contact_draft(form: ContactForm, *, raw_ref: str) -> RequestDraft:
    return RequestDraft(
        channel=Channel.CONTACT_FORM,
        category=form.category,
        subject=form.subject,
        description=form.message,
        citizen=Citizen(
            name=form.name,
            email=form.email,
            phone=form.phone,
            preferred_contact=ContactPreference.EMAIL,
        ),
        raw_ref=raw_ref,
    )


def facebook_draft(message: FacebookMessage) -> RequestDraft:
    return RequestDraft(
        channel=Channel.FACEBOOK,
        channel_message_id=message.mid,
        subject="Message reçu sur la page Facebook",
        description=message.description[:MAX_DESCRIPTION],
        citizen=Citizen(facebook_psid=message.psid, preferred_contact=ContactPreference.FACEBOOK),
    )


def chatbot_preference(message: ChatbotMessage) -> ContactPreference:
    """Email or SMS when given (they outlive the conversation), else the conversation."""
    if message.user.email:
        return ContactPreference.EMAIL
    return ContactPreference.SMS if message.user.phone else ContactPreference.CHATBOT


def chatbot_draft(message: ChatbotMessage) -> RequestDraft:
    user = message.user
    return RequestDraft(
        channel=Channel.CHATBOT,
        channel_message_id=message.message_id,
        category=message.category,
        description=message.text,
        citizen=Citizen(
            name=user.name,
            email=user.email,
            phone=user.phone,
            chatbot_conversation_id=message.conversation_id,
            preferred_contact=chatbot_preference(message),
        ),
        form=FormData(
            form_type="chatbot",
            fields={"conversation_id": message.conversation_id, "intent": message.intent},
        ),
    )
