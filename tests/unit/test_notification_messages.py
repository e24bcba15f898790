"""Notification emails: French wording, reference in the subject, headers for threading,
loop protection, the town's own templates."""

import email
import email.policy
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from services.notification.channels.base import ContactPoint, Notice, PermanentError, TransientError
from services.notification.channels.email import EmailChannel, SinkMailer
from services.notification.channels.sink import Sink
from services.notification.french import long_date
from services.notification.messages import (
    Content,
    acknowledgement,
    agent_reply,
    common,
    link_context,
    status_link,
    status_update,
)
from services.notification.rendering import environment
from services.notification.settings import NotificationSettings
from shared.events import (
    AgentReplied,
    Department,
    RequestRouted,
    RequestStatus,
    RequestStatusChanged,
)
from shared.tokens import hash_token
from tests.fakes import InMemoryDatabase
from tests.notification_support import FakeMailer

SETTINGS = NotificationSettings(
    town_name="Ville-Exemple",
    mail_domain="ville.example",
    public_status_url="https://demarches.ville.example/suivi/{reference}?code={code}",
    tracking_secret="unit-test-tracking-secret",
)
CODE = SETTINGS.tracking_keys().code("req-1")
CAMILLE = ContactPoint(channel="email", address="camille.martin@example.org", name="Camille Martin")
NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
OPT_OUT = "https://relais.ville.example/v1/preferences/tok"


def notice(content: Content, *, name: str | None = "Camille Martin", key: str = "3f2c") -> Notice:
    context = {
        **common(SETTINGS, name=name, reference="2026-P000124"),
        **content.context,
        "opt_out_url": OPT_OUT,
        **link_context(
            SETTINGS,
            template=content.template,
            reference="2026-P000124",
            request_id="req-1",
            token_hash=None,
        ),
    }
    return Notice(
        key=key,
        request_id="req-1",
        reference="2026-P000124",
        template=content.template,
        context=context,
        created_at=NOW,
    )


def channel(
    transport: Any = None, templates_dir: Path | None = None, **settings: Any
) -> EmailChannel:
    config = SETTINGS.model_copy(update=settings)
    return EmailChannel(
        transport=transport or FakeMailer(),
        settings=config,
        templates=environment(templates_dir),
    )


def bodies(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return str(text.get_content()), str(html.get_content())


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
    return RequestRouted(**(fields | overrides))


def changed(status: RequestStatus, comment: str | None = None) -> RequestStatusChanged:
    return RequestStatusChanged(
        request_id="req-1",
        reference="2026-P000124",
        status=status,
        comment=comment,
        actor="agent-7",
        changed_at=NOW,
    )


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
    message = channel().compose(notice(acknowledgement(routed(), settings=SETTINGS)), CAMILLE)
    assert message["Subject"] == "[Ville-Exemple] Demande 2026-P000124 : accusé de réception"
    for part in bodies(message):
        assert "Bonjour Camille Martin," in part
        assert "2026-P000124" in part
        assert "Services techniques" in part
        assert "vendredi 11 décembre 2026" in part
        assert f"https://demarches.ville.example/suivi/2026-P000124?code={CODE}" in part
        assert f"code de suivi : {CODE}".lower() in part.replace("<strong>", "").lower()
        assert "ne le transmettez pas" in part
        assert "répondez simplement à ce message" in part
        assert OPT_OUT in part and "Ne plus recevoir de messages" in part
    assert "merci" in bodies(message)[0].lower()


def test_the_due_date_is_the_local_day() -> None:
    late = routed(due_at=datetime(2026, 12, 11, 23, 30, tzinfo=UTC))  # already Saturday in Paris
    assert acknowledgement(late, settings=SETTINGS).context["due_date"] == "samedi 12 décembre 2026"


def test_waiting_for_the_citizen_says_what_is_missing_escaped_in_html() -> None:
    content = status_update(
        changed(RequestStatus.WAITING_CITIZEN, "Merci de joindre <b>une photo</b>.\nÀ bientôt"),
        settings=SETTINGS,
    )
    message = channel().compose(notice(content, name=None), CAMILLE)
    assert message["Subject"] == (
        "[Ville-Exemple] Demande 2026-P000124 : en attente d'informations de votre part"
    )
    text, html = bodies(message)
    assert text.startswith("Bonjour,\n")
    assert "Ce qu'il manque :\nMerci de joindre <b>une photo</b>.\nÀ bientôt" in text
    assert "&lt;b&gt;une photo&lt;/b&gt;.<br>" in html
    assert "<b>" not in html
    assert "répondez à ce message" in text


@pytest.mark.parametrize(
    ("status", "label"), [(RequestStatus.RESOLVED, "traitée"), (RequestStatus.CLOSED, "clôturée")]
)
def test_resolved_and_closed_without_comment_have_no_comment_section(
    status: RequestStatus, label: str
) -> None:
    message = channel().compose(notice(status_update(changed(status), settings=SETTINGS)), CAMILLE)
    assert message["Subject"].endswith(f": {label}")
    assert all("Message du service" not in part for part in bodies(message))


def test_composed_message_headers() -> None:
    to = ContactPoint(
        channel="email", address="camille.martin@example.org", name="Camille Martinez-Évry"
    )
    content = acknowledgement(routed(), settings=SETTINGS)
    raw = channel().compose(notice(content), to).as_bytes(policy=email.policy.SMTP)
    message: Any = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["From"].addresses[0].addr_spec == "relais@ville.example"
    assert message["To"].addresses[0].display_name == "Camille Martinez-Évry"
    assert message["To"].addresses[0].addr_spec == "camille.martin@example.org"
    assert message["Reply-To"].addresses[0].addr_spec == "demandes@ville.example"
    assert message["Message-ID"] == "<notif-3f2c@ville.example>"
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["X-Loop"] == "relais@ville.example"
    assert message["X-Relais-Reference"] == "2026-P000124"
    assert message["List-Unsubscribe"] == f"<{OPT_OUT}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Content-Language"] == "fr"
    assert message["In-Reply-To"] is None
    assert message.get_content_type() == "multipart/alternative"
    text, html = bodies(message)
    assert "vendredi 11 décembre 2026" in text
    assert "<strong>2026-P000124</strong>" in html


def test_a_status_email_threads_under_the_acknowledgement() -> None:
    to = ContactPoint(
        channel="email", address="a@example.org", extra={"in_reply_to": "<notif-1@ville.example>"}
    )
    content = status_update(changed(RequestStatus.IN_PROGRESS), settings=SETTINGS)
    message = channel().compose(notice(content, key="9"), to)
    assert message["In-Reply-To"] == message["References"] == "<notif-1@ville.example>"


@pytest.mark.parametrize(
    "address",
    [
        "relais@ville.example",
        "Demandes@Ville.example",
        "no-reply@impots.gouv.fr",
        "noreply@example.org",
        "MAILER-DAEMON@mx.example.org",
        "postmaster@example.org",
    ],
)
async def test_loops_are_refused_for_good(address: str) -> None:
    mailer = FakeMailer()
    content = status_update(changed(RequestStatus.RESOLVED), settings=SETTINGS)
    with pytest.raises(PermanentError):
        await channel(mailer).send(notice(content), ContactPoint(channel="email", address=address))
    assert mailer.sent == []


async def test_one_address_gets_a_bounded_number_of_emails_per_hour() -> None:
    mailer = FakeMailer()
    email_channel = channel(mailer, email_rate_per_hour=2)
    content = status_update(changed(RequestStatus.RESOLVED), settings=SETTINGS)
    for key in ("1", "2"):
        await email_channel.send(notice(content, key=key), CAMILLE)
    with pytest.raises(TransientError) as waiting:
        await email_channel.send(notice(content, key="3"), CAMILLE)
    assert waiting.value.retry_at is not None
    assert waiting.value.retry_at > datetime.now(UTC) + timedelta(minutes=59)
    await email_channel.send(notice(content, key="4"), ContactPoint("email", "other@example.org"))
    assert len(mailer.sent) == 3


def test_the_town_s_templates_replace_the_packaged_ones(tmp_path: Path) -> None:
    (tmp_path / "email").mkdir()
    (tmp_path / "email" / "acknowledgement.txt").write_text(
        "{{ greeting }}\nDemande {{ reference }} bien reçue par la mairie.\n{{ opt_out_url }}\n"
    )
    content = acknowledgement(routed(), settings=SETTINGS)
    message = channel(templates_dir=tmp_path).compose(notice(content), CAMILLE)
    text, html = bodies(message)
    assert (
        text
        == f"Bonjour Camille Martin,\nDemande 2026-P000124 bien reçue par la mairie.\n{OPT_OUT}\n"
    )
    assert "Services techniques" in html  # the HTML was not replaced: the packaged one


async def test_the_development_sink_keeps_each_send_with_its_headers() -> None:
    db = InMemoryDatabase()
    email_channel = channel(SinkMailer(Sink(db=db, channel="email")))  # type: ignore[arg-type]
    content = acknowledgement(routed(), settings=SETTINGS)
    await email_channel.send(notice(content), CAMILLE)
    await email_channel.send(notice(content), CAMILLE)  # a duplicate stays visible

    kept = list(db["dev_sink"].docs.values())
    assert [k["key"] for k in kept] == ["<notif-3f2c@ville.example>"] * 2
    assert kept[0]["address"] == "camille.martin@example.org"
    assert kept[0]["payload"]["subject"].endswith("accusé de réception")
    assert kept[0]["payload"]["headers"]["Auto-Submitted"] == "auto-replied"
    assert "Services techniques" in kept[0]["payload"]["text"]


def test_the_status_link_carries_the_code_the_request_was_filed_with() -> None:
    link = status_link(SETTINGS, "2026-P000124", "req-1")
    assert link == f"https://demarches.ville.example/suivi/2026-P000124?code={CODE}"
    assert status_link(SETTINGS, "2026-P000124", "req-2") != link
    assert status_link(SETTINGS, "2026-P000124", "req-1", token_hash=hash_token(CODE)) == link


def test_a_request_with_a_random_code_of_before_gets_the_page_that_asks_for_it() -> None:
    link = status_link(SETTINGS, "2026-P000124", "req-1", token_hash=hash_token("ancien-code"))
    assert link == "https://demarches.ville.example/suivi/2026-P000124"
    old = link_context(
        SETTINGS,
        template="acknowledgement",
        reference="2026-P000124",
        request_id="req-1",
        token_hash=hash_token("ancien-code"),
    )
    assert old == {"status_url": link, "direct_link": "", "tracking_code": ""}


def test_the_code_can_travel_in_the_fragment_and_other_parameters_stay() -> None:
    fragment = SETTINGS.model_copy(
        update={"public_status_url": "https://x.example/suivi/{reference}?lang=fr#code={code}"}
    )
    assert status_link(fragment, "2026-P000124", "req-1").endswith(f"?lang=fr#code={CODE}")
    assert fragment.status_url("2026-P000124") == "https://x.example/suivi/2026-P000124?lang=fr"


async def test_later_messages_carry_the_direct_link_but_not_the_code() -> None:
    replied = AgentReplied(
        request_id="req-1",
        reference="2026-P000124",
        text="Intervention prévue lundi.",
        actor="agent-7",
        at=NOW,
    )
    mailer = FakeMailer()
    await channel(mailer).send(notice(agent_reply(replied, settings=SETTINGS)), CAMILLE)
    for part in bodies(mailer.sent[-1]):
        assert f"/suivi/2026-P000124?code={CODE}" in part
        assert "ne le transmettez pas" in part and "munissez-vous" not in part
        assert "Votre code de suivi" not in part
