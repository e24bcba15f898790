"""Messenger and chatbot channels: the 24-hour window, error mapping, texts (pure logic)."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY

from services.notification.channels.base import (
    ContactPoint,
    Notice,
    PermanentError,
    Sent,
    TransientError,
)
from services.notification.channels.chatbot import (
    CONVERSATION_CLOSED,
    ChatbotChannel,
    ChatbotWebhook,
    chatbot_channel,
    conversation_id_of,
    webhook_failure,
)
from services.notification.channels.facebook import (
    MAX_CHARS,
    OUTSIDE_WINDOW,
    GraphSendApi,
    MessengerChannel,
    graph_failure,
    inbound_at,
    messenger_channel,
    window_open,
)
from services.notification.channels.http import retry_at
from services.notification.channels.replies import SinkTransport
from services.notification.channels.texts import CUT_MARK, PACKAGED, TextTemplates
from services.notification.settings import NotificationSettings
from shared.events import Channel, Citizen, CitizenMessageReceived, FormData
from tests.factories import submitted

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
WINDOW_METRIC = "relais_notification_messenger_window_closed_total"
STATUS_URL = "https://ville.example/suivi/2026-S000042?code=abc"
CONTEXT: dict[str, Any] = {
    "status_url": STATUS_URL,
    "greeting": "Bonjour Camille,",
    "department": "Services techniques",
    "due_date": "lundi 15 juin 2026",
    "status_label": "Résolue",
    "status_sentence": "Le service a traité votre demande.",
    "comment": "Le trou a été rebouché.",
    "text": "Pouvez-vous préciser le numéro de la rue ?",
    "kept_reference": "2026-P000007",
    "signature": "La mairie de Ville-Exemple",
    "opt_out_url": "https://ville.example/v1/preferences/jeton",
}


def notice(template: str = "acknowledgement", **context: Any) -> Notice:
    return Notice(
        key="k-1",
        request_id="r1",
        reference="2026-S000042",
        template=template,
        context={**CONTEXT, **context},
        created_at=NOW,
    )


class Recorded:
    def __init__(self) -> None:
        self.payloads: list[dict[str, Any]] = []

    async def deliver(self, payload: dict[str, Any], *, notice: Notice, to: ContactPoint) -> Sent:
        self.payloads.append(payload)
        return Sent(provider_id="m_1")


@pytest.mark.parametrize(
    ("last", "open_"),
    [
        (None, False),
        (NOW - timedelta(hours=23, minutes=59), True),
        (NOW - timedelta(hours=24), False),
        (NOW - timedelta(days=3), False),
        (NOW + timedelta(minutes=2), True),  # the platform's clock a little ahead of ours
        ((NOW - timedelta(hours=1)).replace(tzinfo=None), True),  # naive: UTC
        ((NOW - timedelta(hours=25)).replace(tzinfo=None), False),
        ((NOW - timedelta(hours=2)).isoformat(), True),
        ("pas une date", False),
    ],
)
def test_the_24_hour_window(last: datetime | str | None, open_: bool) -> None:
    assert window_open(last_inbound_at=last, now=NOW) is open_


def test_what_opens_the_window() -> None:
    facebook = submitted(channel=Channel.FACEBOOK, submitted_at=NOW)
    assert inbound_at(facebook) == NOW
    assert inbound_at(submitted(channel=Channel.EMAIL)) is None
    later = CitizenMessageReceived(
        request_id=facebook.request_id,
        reference=facebook.reference,
        channel=Channel.FACEBOOK,
        text="Merci",
        received_at=NOW + timedelta(hours=5),
    )
    assert inbound_at(later) == NOW + timedelta(hours=5)
    assert inbound_at(later.model_copy(update={"channel": Channel.PORTAL})) is None


def psid(last_inbound_at: Any) -> ContactPoint:
    return ContactPoint(
        channel="facebook", address="6543210", extra={"last_inbound_at": last_inbound_at}
    )


def messenger(transport: Recorded) -> MessengerChannel:
    return MessengerChannel(
        transport=transport, templates=TextTemplates(channel="facebook", max_chars=MAX_CHARS)
    )


@pytest.mark.parametrize("last", [None, datetime.now(UTC) - timedelta(hours=25)])
async def test_outside_the_window_nothing_is_sent_and_agents_are_told(last: Any) -> None:
    transport = Recorded()
    before = REGISTRY.get_sample_value(WINDOW_METRIC) or 0
    with pytest.raises(PermanentError) as refused:
        await messenger(transport).send(notice(), psid(last))
    assert refused.value.reason == OUTSIDE_WINDOW
    assert transport.payloads == []
    assert REGISTRY.get_sample_value(WINDOW_METRIC) == before + 1


async def test_within_the_window_the_send_api_body_answers_the_citizen() -> None:
    transport = Recorded()
    sent = await messenger(transport).send(notice(), psid(datetime.now(UTC)))
    assert sent.provider_id == "m_1"
    [payload] = transport.payloads
    assert payload["recipient"] == {"id": "6543210"}
    assert payload["messaging_type"] == "RESPONSE"
    text = payload["message"]["text"]
    assert "2026-S000042" in text and STATUS_URL in text and "Services techniques" in text


@pytest.mark.parametrize(
    ("status", "error", "permanent"),
    [
        (400, {"code": 10, "error_subcode": 2018278}, True),
        (403, {"code": 10}, True),
        (403, {"code": 200}, True),
        (400, {"code": 551}, True),
        (400, {"code": 100, "error_subcode": 2018001}, True),
        (400, {"code": 999}, True),
        (400, {"code": 613}, False),
        (400, {"code": 4}, False),
        (500, {"code": 2}, False),
        (503, {}, False),
        (429, {}, False),
        (401, {"code": 190}, False),  # our page token: fixed in settings, then retried
        (403, {}, False),
        (400, {"code": "10"}, True),  # not a number: nothing known, refused as sent
    ],
)
def test_graph_errors_are_sorted(status: int, error: dict[str, Any], permanent: bool) -> None:
    failure = graph_failure(status=status, error=error)
    assert isinstance(failure, PermanentError if permanent else TransientError)


def test_a_window_error_from_facebook_reads_like_ours() -> None:
    failure = graph_failure(status=400, error={"code": 10, "error_subcode": 2018278})
    assert failure.reason == OUTSIDE_WINDOW
    blocked = graph_failure(status=400, error={"code": 551})
    assert "551" in blocked.reason and "joignable" in blocked.reason
    assert graph_failure(status=503, error={}).reason.endswith("(HTTP 503)")
    assert graph_failure(status=400, error={"code": 999}).reason.endswith("(HTTP 400, code 999)")


def test_retry_after_is_honoured() -> None:
    later = graph_failure(status=429, error={}, when=NOW + timedelta(seconds=30))
    assert isinstance(later, TransientError) and later.retry_at == NOW + timedelta(seconds=30)
    assert retry_at(httpx.Headers({"Retry-After": "120"}), now=NOW) == NOW + timedelta(seconds=120)
    when = retry_at(httpx.Headers({"Retry-After": "Mon, 01 Jun 2026 12:05:00 GMT"}), now=NOW)
    assert when == NOW + timedelta(minutes=5)
    assert retry_at(httpx.Headers({"Retry-After": "soon"}), now=NOW) is None
    assert retry_at(httpx.Headers(), now=NOW) is None


@pytest.mark.parametrize(
    ("status", "permanent"),
    [
        *[(410, True), (404, True), (400, True), (422, True)],
        *[(401, False), (403, False), (408, False), (429, False), (500, False), (503, False)],
    ],
)
def test_chatbot_answers_are_sorted(status: int, permanent: bool) -> None:
    failure = webhook_failure(status=status)
    assert isinstance(failure, PermanentError if permanent else TransientError)


def test_a_closed_conversation_says_so() -> None:
    assert webhook_failure(status=410).reason == CONVERSATION_CLOSED


TEMPLATES = sorted(p.stem for p in (PACKAGED / "facebook").glob("*.txt"))


@pytest.mark.parametrize("channel", ["facebook", "chatbot"])
@pytest.mark.parametrize("template", TEMPLATES)
def test_every_text_names_the_reference_and_the_link(channel: str, template: str) -> None:
    text = TextTemplates(channel=channel, max_chars=MAX_CHARS).render(notice(template))
    assert "2026-S000042" in text and STATUS_URL in text
    assert "Ne plus recevoir de messages de la mairie : https://ville.example/v1/pref" in text
    assert len(text) <= MAX_CHARS
    assert "{{" not in text and "{%" not in text


def test_both_channels_have_the_same_templates() -> None:
    assert sorted(p.stem for p in (PACKAGED / "chatbot").glob("*.txt")) == TEMPLATES
    assert {"acknowledgement", "status_changed", "agent_reply", "default"} <= set(TEMPLATES)


def test_a_long_reply_is_shortened_but_keeps_reference_and_link() -> None:
    reply = "Nous avons examiné votre demande. " * 200  # 6,800 characters
    text = TextTemplates(channel="facebook", max_chars=MAX_CHARS).render(
        notice("agent_reply", text=reply)
    )
    assert len(text) <= MAX_CHARS
    assert len(text) > MAX_CHARS - 100  # shortened to fit, not emptied
    assert CUT_MARK in text and STATUS_URL in text and "2026-S000042" in text


def test_a_long_text_the_template_does_not_show_is_not_the_one_cut() -> None:
    comment = "Intervention programmée. " * 150  # 3,750 characters
    text = TextTemplates(channel="chatbot", max_chars=1000).render(
        notice("status_changed", comment=comment, missing=comment + "!")
    )
    assert len(text) <= 1000 and CUT_MARK in text
    assert text.startswith("Bonjour Camille,") and "Intervention programmée." in text
    assert STATUS_URL in text and "2026-S000042" in text


def test_the_code_and_the_opt_out_link_are_never_cut() -> None:
    opt_out = "https://ville.example/v1/preferences/" + "t" * 60
    text = TextTemplates(channel="facebook", max_chars=MAX_CHARS).render(
        notice("agent_reply", text="Réponse. " * 500, opt_out_url=opt_out)
    )
    assert len(text) <= MAX_CHARS and opt_out in text and STATUS_URL in text
    first = TextTemplates(channel="facebook", max_chars=MAX_CHARS).render(
        notice(tracking_code="K1-ABCDEFGH")
    )
    assert "Votre code de suivi : K1-ABCDEFGH" in first


def test_a_template_the_channel_lacks_uses_the_default_text() -> None:
    text = TextTemplates(channel="chatbot", max_chars=500).render(notice("appointment_reminder"))
    assert "Du nouveau sur votre demande 2026-S000042" in text and STATUS_URL in text


def test_the_towns_own_template_comes_first(tmp_path: Path) -> None:
    (tmp_path / "facebook").mkdir()
    (tmp_path / "facebook" / "acknowledgement.txt").write_text(
        "Bien reçu : {{ reference }}. {{ status_url }}"
    )
    templates = TextTemplates(channel="facebook", override=tmp_path, max_chars=MAX_CHARS)
    assert templates.render(notice()) == f"Bien reçu : 2026-S000042. {STATUS_URL}"
    assert "Le service en charge" in templates.render(notice("agent_reply"))  # packaged


def test_a_text_without_a_status_link_is_a_bug() -> None:
    with pytest.raises(ValueError, match="status_url"):
        TextTemplates(channel="facebook", max_chars=MAX_CHARS).render(notice(status_url=""))


def test_a_town_template_too_long_is_cut(tmp_path: Path) -> None:
    (tmp_path / "chatbot").mkdir()
    (tmp_path / "chatbot" / "default.txt").write_text("{{ reference }} " + "x" * 600)
    templates = TextTemplates(channel="chatbot", override=tmp_path, max_chars=300)
    text = templates.render(notice("autre", text=None))
    assert len(text) == 300 and text.endswith("…")


def test_the_conversation_id_travels_in_the_request() -> None:
    new = submitted(channel=Channel.CHATBOT, citizen=Citizen(chatbot_conversation_id="conv-9"))
    assert conversation_id_of(new) == "conv-9"
    older = submitted(
        channel=Channel.CHATBOT,
        citizen=Citizen(),
        form=FormData(form_type="chatbot", fields={"conversation_id": "conv-1"}),
    )
    assert conversation_id_of(older) == "conv-1"
    assert conversation_id_of(submitted(channel=Channel.PORTAL)) is None


def chatbot(transport: Recorded) -> ChatbotChannel:
    return ChatbotChannel(
        transport=transport, templates=TextTemplates(channel="chatbot", max_chars=2000)
    )


async def test_the_reply_goes_to_the_conversation() -> None:
    transport = Recorded()
    to = ContactPoint(channel="chatbot", address="", extra={"conversation_id": "conv-9"})
    await chatbot(transport).send(notice("agent_reply"), to)
    [payload] = transport.payloads
    assert payload["conversation_id"] == "conv-9"
    assert payload["reference"] == "2026-S000042"
    assert payload["idempotency_key"] == "k-1"
    assert payload["status_url"] == STATUS_URL
    assert "Pouvez-vous préciser" in payload["text"]
    await chatbot(transport).send(notice(), ContactPoint(channel="chatbot", address="conv-3"))
    assert transport.payloads[1]["conversation_id"] == "conv-3"


async def test_no_conversation_no_reply() -> None:
    transport = Recorded()
    with pytest.raises(PermanentError, match="aucune conversation"):
        await chatbot(transport).send(notice(), ContactPoint(channel="chatbot", address=""))
    assert transport.payloads == []


def test_settings_choose_the_platform_or_the_sink() -> None:
    db: Any = object()
    sink = NotificationSettings()
    assert isinstance(messenger_channel(sink, db=db)._transport, SinkTransport)
    assert isinstance(chatbot_channel(sink, db=db)._transport, SinkTransport)
    real = NotificationSettings(
        facebook_transport="graph",
        facebook_graph_url="http://127.0.0.1:9/",
        facebook_page_token="page-token",
        chatbot_transport="webhook",
        chatbot_reply_url="http://127.0.0.1:9/replies",
    )
    graph = messenger_channel(real, db=db)._transport
    assert isinstance(graph, GraphSendApi) and graph.url == "http://127.0.0.1:9/v23.0/me/messages"
    webhook = chatbot_channel(real, db=db)._transport
    assert isinstance(webhook, ChatbotWebhook) and webhook.url == "http://127.0.0.1:9/replies"
    with pytest.raises(ValueError, match="CHATBOT_REPLY_URL"):
        chatbot_channel(NotificationSettings(chatbot_transport="webhook"), db=db)
