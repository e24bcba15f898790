"""Notification emails: French wording, reference in the subject, headers for threading."""

import email
import email.policy
from datetime import UTC, date, datetime
from email.message import EmailMessage

import pytest

from services.notification.french import long_date
from services.notification.messages import (
    Recipient,
    acknowledgement,
    agent_reply,
    compose,
    status_link,
    status_update,
)
from services.notification.settings import NotificationSettings
from shared.events import (
    AgentReplied,
    Department,
    RequestRouted,
    RequestStatus,
    RequestStatusChanged,
)
from shared.tokens import hash_token

SETTINGS = NotificationSettings(
    town_name="Ville-Exemple",
    mail_domain="ville.example",
    public_status_url="https://demarches.ville.example/suivi/{reference}?code={code}",
    tracking_secret="unit-test-tracking-secret",
)
CODE = SETTINGS.tracking_keys().code("req-1")
CAMILLE = Recipient(email="camille.martin@example.org", name="Camille Martin")
NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


def routed(**overrides: object) -> RequestRouted:
    fields: dict[str, object] = {
        "request_id": "req-1",
        "reference": "2026-P000124",
        "department": Department(code="services_techniques", label="Services techniques"),
        # 17:30 in Paris on Friday 11 December 2026.
        "due_at": datetime(2026, 12, 11, 16, 30, tzinfo=UTC),
        "rule": "category:voirie",
        "explanation": "Catégorie voirie.",
        "routed_at": NOW,
    }
    return RequestRouted(**(fields | overrides))  # type: ignore[arg-type]


def changed(status: RequestStatus, comment: str | None = None) -> RequestStatusChanged:
    return RequestStatusChanged(
        request_id="req-1",
        reference="2026-P000124",
        status=status,
        comment=comment,
        actor="agent-7",
        changed_at=NOW,
    )


def parsed(message: EmailMessage) -> EmailMessage:
    """The message as a mail client reads it after the SMTP round trip."""
    raw = message.as_bytes(policy=email.policy.SMTP)
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2026, 12, 11), "vendredi 11 décembre 2026"),
        (date(2026, 9, 1), "mardi 1er septembre 2026"),
        (date(2027, 8, 15), "dimanche 15 août 2027"),
        (date(2026, 2, 2), "lundi 2 février 2026"),
    ],
)
def test_long_dates_are_french(day: date, text: str) -> None:
    assert long_date(day) == text


def test_acknowledgement_says_who_handles_the_request_and_by_when() -> None:
    mail = acknowledgement(routed(), recipient=CAMILLE, settings=SETTINGS)
    assert mail.subject == "[Ville-Exemple] Demande 2026-P000124 : accusé de réception"
    assert mail.template == "acknowledgement"
    for part in (mail.text, mail.html):
        assert "Bonjour Camille Martin," in part
        assert "2026-P000124" in part
        assert "Services techniques" in part
        assert "vendredi 11 décembre 2026" in part
        assert f"https://demarches.ville.example/suivi/2026-P000124?code={CODE}" in part
        assert f"code de suivi : {CODE}".lower() in part.replace("<strong>", "").lower()
        assert "ne le transmettez pas" in part
        assert "répondez simplement à ce message" in part
    assert "merci" in mail.text.lower()


def test_the_due_date_is_the_local_day() -> None:
    late = routed(due_at=datetime(2026, 12, 11, 23, 30, tzinfo=UTC))  # already Saturday in Paris
    mail = acknowledgement(late, recipient=CAMILLE, settings=SETTINGS)
    assert "samedi 12 décembre 2026" in mail.text


def test_status_update_gives_the_label_and_the_public_comment_escaped_in_html() -> None:
    mail = status_update(
        changed(RequestStatus.WAITING_CITIZEN, "Merci de joindre <b>une photo</b>.\nÀ bientôt"),
        recipient=Recipient(email="a@example.org"),
        settings=SETTINGS,
    )
    assert mail.subject == (
        "[Ville-Exemple] Demande 2026-P000124 : en attente d'informations de votre part"
    )
    assert mail.text.startswith("Bonjour,\n")
    assert "Merci de joindre <b>une photo</b>.\nÀ bientôt" in mail.text
    assert "&lt;b&gt;une photo&lt;/b&gt;.<br>" in mail.html
    assert "<b>" not in mail.html
    assert "répondez à ce message" in mail.text


def test_status_update_without_comment_has_no_comment_section() -> None:
    mail = status_update(changed(RequestStatus.RESOLVED), recipient=CAMILLE, settings=SETTINGS)
    assert mail.subject.endswith(": traitée")
    assert "Message du service" not in mail.text and "Message du service" not in mail.html


def test_composed_message_headers() -> None:
    mail = acknowledgement(routed(), recipient=CAMILLE, settings=SETTINGS)
    message = parsed(
        compose(
            mail,
            recipient=Recipient(email="camille.martin@example.org", name="Camille Martinez-Évry"),
            reference="2026-P000124",
            notification_id="3f2c",
            settings=SETTINGS,
            now=NOW,
        )
    )
    assert str(message["Subject"]) == mail.subject
    assert message["From"].addresses[0].addr_spec == "relais@ville.example"
    assert message["To"].addresses[0].display_name == "Camille Martinez-Évry"
    assert message["To"].addresses[0].addr_spec == "camille.martin@example.org"
    assert message["Reply-To"].addresses[0].addr_spec == "demandes@ville.example"
    assert message["Message-ID"] == "<notif-3f2c@ville.example>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Loop"] == "relais@ville.example"
    assert message["X-Relais-Reference"] == "2026-P000124"
    assert message["Content-Language"] == "fr"
    assert message["In-Reply-To"] is None
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and "vendredi 11 décembre 2026" in text.get_content()
    assert html is not None and "<strong>2026-P000124</strong>" in html.get_content()


def test_a_status_email_threads_under_the_acknowledgement() -> None:
    mail = status_update(changed(RequestStatus.IN_PROGRESS), recipient=CAMILLE, settings=SETTINGS)
    message = compose(
        mail,
        recipient=CAMILLE,
        reference="2026-P000124",
        notification_id="9",
        settings=SETTINGS,
        now=NOW,
        in_reply_to="<notif-1@ville.example>",
    )
    assert message["In-Reply-To"] == message["References"] == "<notif-1@ville.example>"


def test_the_status_link_carries_the_code_the_request_was_filed_with() -> None:
    link = status_link(SETTINGS, "2026-P000124", "req-1")
    assert link == f"https://demarches.ville.example/suivi/2026-P000124?code={CODE}"
    assert status_link(SETTINGS, "2026-P000124", "req-2") != link
    assert status_link(SETTINGS, "2026-P000124", "req-1", token_hash=hash_token(CODE)) == link


def test_a_request_with_a_random_code_of_before_gets_the_page_that_asks_for_it() -> None:
    link = status_link(SETTINGS, "2026-P000124", "req-1", token_hash=hash_token("ancien-code"))
    assert link == "https://demarches.ville.example/suivi/2026-P000124"


def test_the_code_can_travel_in_the_fragment_and_other_parameters_stay() -> None:
    fragment = SETTINGS.model_copy(
        update={"public_status_url": "https://x.example/suivi/{reference}?lang=fr#code={code}"}
    )
    assert status_link(fragment, "2026-P000124", "req-1").endswith(f"?lang=fr#code={CODE}")
    assert fragment.status_url("2026-P000124") == "https://x.example/suivi/2026-P000124?lang=fr"


def test_later_messages_carry_the_direct_link_too() -> None:
    replied = AgentReplied(
        request_id="req-1",
        reference="2026-P000124",
        text="Intervention prévue lundi.",
        actor="agent-7",
        at=NOW,
    )
    mail = agent_reply(replied, recipient=CAMILLE, settings=SETTINGS)
    for part in (mail.text, mail.html):
        assert f"/suivi/2026-P000124?code={CODE}" in part
        assert "ne le transmettez pas" in part and "munissez-vous" not in part
