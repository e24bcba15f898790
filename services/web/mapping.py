"""Each channel's message as the normalized request contract (pure logic).

The conversational channels' builders take the message first, so that
`partial(builder, message)` is the `build(identity, raw_ref)` of services.web.delivery.
"""

from services.web.facebook_events import FacebookMessage
from services.web.schemas import ChatbotMessage, ContactForm
from shared.events import Channel, Citizen, ContactPreference, FormData, RequestSubmitted
from shared.intake import Identity

MAX_DESCRIPTION = 20000


def contact_request(identity: Identity, *, form: ContactForm, raw_ref: str) -> RequestSubmitted:
    return RequestSubmitted(
        request_id=identity.request_id,
        reference=identity.reference,
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
        tracking_token_hash=identity.tracking_token_hash,
        submitted_at=identity.received_at,
        raw_ref=raw_ref,
    )


def facebook_request(
    message: FacebookMessage, identity: Identity, raw_ref: str | None
) -> RequestSubmitted:
    return RequestSubmitted(
        request_id=identity.request_id,
        reference=identity.reference,
        channel=Channel.FACEBOOK,
        channel_message_id=message.mid,
        subject="Message reçu sur la page Facebook",
        description=message.description[:MAX_DESCRIPTION],
        citizen=Citizen(facebook_psid=message.psid, preferred_contact=ContactPreference.FACEBOOK),
        tracking_token_hash=identity.tracking_token_hash,
        submitted_at=identity.received_at,
        raw_ref=raw_ref,
    )


def chatbot_preference(message: ChatbotMessage) -> ContactPreference:
    if message.user.email:
        return ContactPreference.EMAIL
    return ContactPreference.SMS if message.user.phone else ContactPreference.NONE


def chatbot_request(
    message: ChatbotMessage, identity: Identity, raw_ref: str | None
) -> RequestSubmitted:
    user = message.user
    return RequestSubmitted(
        request_id=identity.request_id,
        reference=identity.reference,
        channel=Channel.CHATBOT,
        channel_message_id=message.message_id,
        category=message.category,
        description=message.text,
        citizen=Citizen(
            name=user.name,
            email=user.email,
            phone=user.phone,
            preferred_contact=chatbot_preference(message),
        ),
        form=FormData(
            form_type="chatbot",
            fields={"conversation_id": message.conversation_id, "intent": message.intent},
        ),
        tracking_token_hash=identity.tracking_token_hash,
        submitted_at=identity.received_at,
        raw_ref=raw_ref,
    )
