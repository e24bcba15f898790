"""Web channels: which Facebook events are citizens' messages, and each channel's request."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from services.web.drafts import chatbot_draft, contact_draft, facebook_draft
from services.web.facebook_events import FacebookMessage, Webhook, citizens_messages
from services.web.schemas import ChatbotMessage, ContactForm
from services.web.threads import still_open
from shared.events import Channel, ContactPreference

IDENTITY = dict(
    request_id="r1",
    reference="2026-F000001",
    tracking_token_hash="0" * 64,
    submitted_at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
)


def messaging(**message: Any) -> dict[str, Any]:
    return {"sender": {"id": "psid-1"}, "recipient": {"id": "page"}, "message": message}


def webhook(*events: Any) -> Webhook:
    return Webhook(object="page", entry=[{"id": "page", "time": 1, "messaging": list(events)}])


def test_citizens_messages_keep_order_and_skip_the_rest() -> None:
    found = citizens_messages(
        webhook(
            messaging(mid="m1", text="Bonjour"),
            messaging(mid="m2", text="Notre réponse", is_echo=True),
            {"sender": {"id": "psid-1"}, "delivery": {"watermark": 1}},
            {"sender": {"id": "psid-1"}, "postback": {"payload": "START"}},
            messaging(mid="m3", text="   "),
            {"sender": {}, "message": {"mid": "m4", "text": "sans expéditeur"}},
            "pas un objet",
            messaging(mid="m5", attachments=[{"type": "file", "payload": {"url": "https://f"}}]),
        )
    )
    assert [m.mid for m in found.messages] == ["m1", "m5"]
    assert found.ignored == 4  # echo, delivery, postback, blank text
    assert found.invalid == 2


def test_entries_without_messaging_are_skipped() -> None:
    hook = Webhook(object="page", entry=[{"id": "page", "changes": [{"field": "feed"}]}])
    found = citizens_messages(hook)
    assert found.messages == [] and found.ignored == 0 and found.invalid == 0


@pytest.mark.parametrize(
    ("text", "attachments", "description"),
    [
        ("Bonjour", (), "Bonjour"),
        (
            " Voici la photo ",
            ({"type": "image", "payload": {"url": "https://cdn/p.jpg"}},),
            "Voici la photo\n\nPièces jointes envoyées sur Facebook :\n- image : https://cdn/p.jpg",
        ),
        (
            None,
            ({"type": "video", "payload": {"url": "https://cdn/v.mp4"}}, {"type": "sticker"}),
            "Pièces jointes envoyées sur Facebook :\n- vidéo : https://cdn/v.mp4\n"
            "- sticker : (sans lien)",
        ),
    ],
)
def test_descriptions_mention_attachments_in_french(
    text: str | None, attachments: tuple[dict[str, Any], ...], description: str
) -> None:
    [message] = citizens_messages(
        webhook(messaging(mid="m", text=text, attachments=list(attachments)))
    ).messages
    assert message.description == description


def test_facebook_request_reaches_the_citizen_on_facebook() -> None:
    message = FacebookMessage(psid="psid-9", mid="m_9", text="Encombrants sur le trottoir")
    request = facebook_draft(message).model_copy(update={"raw_ref": "web:raw/1"})
    assert request.channel == Channel.FACEBOOK
    assert request.channel_message_id == "m_9"
    assert request.citizen.facebook_psid == "psid-9"
    assert request.citizen.preferred_contact == ContactPreference.FACEBOOK
    assert request.description == "Encombrants sur le trottoir"
    assert request.raw_ref == "web:raw/1"


def test_contact_form_fields_are_cleaned() -> None:
    form = ContactForm.model_validate(
        {
            "name": "  Léa Garnier ",
            "email": "lea@example.org",
            "phone": "",
            "subject": " ",
            "message": "\n Bonjour \n",
            "envoyer": "Envoyer",
        }
    )
    assert (form.name, form.phone, form.subject, form.message) == (
        "Léa Garnier",
        None,
        None,
        "Bonjour",
    )
    request = contact_draft(form, raw_ref="web:raw/2").to_event(**IDENTITY)
    assert request.channel == Channel.CONTACT_FORM
    assert request.citizen.email == "lea@example.org"
    assert request.citizen.preferred_contact == ContactPreference.EMAIL
    assert request.submitted_at == IDENTITY["submitted_at"]


def test_contact_phone_is_kept_in_e164() -> None:
    form = ContactForm(email="a@example.org", message="m", phone="06 12 34 56 78")
    assert form.phone == "+33612345678"
    with pytest.raises(ValidationError, match="Numéro de téléphone invalide"):
        ContactForm(email="a@example.org", message="m", phone="0612")


@pytest.mark.parametrize(
    ("user", "preference"),
    [
        ({"email": "a@example.org", "phone": "0612345678"}, ContactPreference.EMAIL),
        ({"phone": "0612345678"}, ContactPreference.SMS),
        ({"name": "Anonyme"}, ContactPreference.CHATBOT),
    ],
)
def test_chatbot_request_contact_preference(
    user: dict[str, str], preference: ContactPreference
) -> None:
    message = ChatbotMessage(
        conversation_id="c1", message_id="m1", text="Bonjour", user=user, intent="horaires"
    )
    request = chatbot_draft(message).to_event(**IDENTITY)
    assert request.citizen.preferred_contact == preference
    assert request.channel == Channel.CHATBOT
    assert request.form is not None
    assert request.form.fields == {"conversation_id": "c1", "intent": "horaires"}
    assert request.citizen.chatbot_conversation_id == "c1"


NOW = datetime(2026, 6, 1, tzinfo=UTC)
WINDOW = timedelta(days=15)


@pytest.mark.parametrize(
    ("doc", "open_"),
    [
        ({"status": "received"}, True),
        ({"status": "in_progress", "updated_at": NOW - timedelta(days=400)}, True),
        ({"status": "closed", "updated_at": NOW - timedelta(days=14)}, True),
        ({"status": "closed", "updated_at": NOW - timedelta(days=16)}, False),
        ({"status": "cancelled", "updated_at": NOW - timedelta(days=30)}, False),
    ],
)
def test_requests_take_follow_ups_until_closed_for_the_window(
    doc: dict[str, Any], open_: bool
) -> None:
    assert still_open(doc, now=NOW, within=WINDOW) is open_
