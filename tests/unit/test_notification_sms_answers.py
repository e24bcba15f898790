"""What the SMS gateway's answers mean, and what citizens' replies and reports say (pure)."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from services.notification.channels.base import PermanentError, TransientError
from services.notification.channels.sms_gateway import answer
from services.notification.sms_reports import failed_delivery
from services.notification.sms_schemas import SmsReport, wants_stop

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def response(status: int, body: object = None, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


@pytest.mark.parametrize(
    "body",
    [
        {"id": "sms-1"},
        {"message_id": "sms-1"},
        {"messageId": "sms-1"},
        {"ids": ["sms-1"], "credits": 1},
    ],
)
def test_accepted_answers_give_the_provider_id(body: object) -> None:
    assert answer(response(201, body), now=NOW) == "sms-1"


def test_conflict_on_our_reference_is_the_message_already_accepted() -> None:
    assert answer(response(409, {"id": "sms-1"}), now=NOW) == "sms-1"


def test_accepted_without_id_is_tried_again() -> None:
    with pytest.raises(TransientError):
        answer(response(200, {"ok": True}), now=NOW)


@pytest.mark.parametrize("status", [500, 502, 503, 429, 401, 402, 403])
def test_retry_later(status: int) -> None:
    with pytest.raises(TransientError) as caught:
        answer(response(status, {"message": "busy"}), now=NOW)
    assert caught.value.retry_at is None


def test_retry_after_is_honoured() -> None:
    with pytest.raises(TransientError) as caught:
        answer(response(429, None, **{"Retry-After": "120"}), now=NOW)
    assert caught.value.retry_at == NOW + timedelta(seconds=120)


def test_invalid_number_is_permanent_with_a_french_reason_without_the_number() -> None:
    refused = response(400, {"message": "Invalid recipient +33 6 12 34 56 78"})
    with pytest.raises(PermanentError) as caught:
        answer(refused, now=NOW)
    assert caught.value.reason == (
        "SMS refusé par l'opérateur (400) : numéro ou message invalide - Invalid recipient [phone]"
    )


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ("STOP", "stop"),
        ("stop", "stop"),
        ("Stop SMS", "stop"),
        ("  stop. ", "stop"),
        ("ARRÊT", "stop"),
        ("START", "start"),
        ("Bonjour, je voudrais savoir où en est ma demande", None),
        ("Ne pas stop", None),
        ("", None),
    ],
)
def test_stop_words(text: str, action: str | None) -> None:
    assert wants_stop(text) == action


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("delivered", "delivered"),
        ("DELIVRD", "delivered"),
        ("failed", "failed"),
        ("EXPIRED", "failed"),
        ("rejected", "failed"),
        ("buffered", None),
        ("sent", None),
    ],
)
def test_report_outcomes(status: str, outcome: str | None) -> None:
    assert SmsReport(id="sms-1", status=status).outcome() == outcome


def test_failed_delivery_reason_in_french() -> None:
    report = SmsReport(id="sms-1", status="EXPIRED", error="absent subscriber 0612345678")
    assert failed_delivery(report) == (
        "SMS non distribué par l'opérateur (statut expired, motif : absent subscriber [phone])."
    )
