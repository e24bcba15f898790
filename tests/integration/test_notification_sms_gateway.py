"""SMS channel against a real HTTP gateway on 127.0.0.1 and the real store: the provider's
shape (method, path, auth, JSON body, idempotency key) and what 2xx/400/429/500, a time-out
and a refused connection become."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from prometheus_client import REGISTRY

from services.notification.channels.base import (
    ContactPoint,
    Notice,
    PermanentError,
    Sent,
    TransientError,
)
from services.notification.channels.quiet_hours import QuietHours
from services.notification.channels.sms import SmsChannel
from services.notification.channels.sms_gateway import SmsHttpGateway
from services.notification.channels.sms_sink import SINK
from services.notification.channels.sms_store import MESSAGES, SmsMessages, SmsOptOuts
from services.notification.settings import NotificationSettings
from services.notification.sms_wiring import sms_channel_for
from tests.support import free_port, serve_app

MOBILE = "06 12 34 56 78"
E164 = "+33612345678"
URL = "https://ville.example/suivi/2026-T000042?code=abc"


@dataclass
class Gateway:
    """A provider's send endpoint: records each call, answers what the test queued."""

    calls: list[dict[str, Any]] = field(default_factory=list)
    answers: list[tuple[int, Any, dict[str, str]]] = field(default_factory=list)
    delay_s: float = 0.0
    url: str = ""

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/api/v1/sms")
        async def send(request: Request) -> JSONResponse:
            self.calls.append(
                {
                    "method": request.method,
                    "path": request.url.path,
                    "headers": dict(request.headers),
                    "json": await request.json(),
                }
            )
            await asyncio.sleep(self.delay_s)
            status, body, headers = (
                self.answers.pop(0) if self.answers else (201, {"id": "gw-1"}, {})
            )
            return JSONResponse(body, status_code=status, headers=headers)

        return app


@pytest.fixture
async def gateway() -> AsyncIterator[Gateway]:
    gw = Gateway()
    async with serve_app(gw.app()) as base:
        gw.url = base + "/api/v1/sms"
        yield gw


def settings(**overrides: Any) -> NotificationSettings:
    values: dict[str, Any] = {
        "sms_gateway": "http",
        "sms_gateway_url": "http://127.0.0.1:9/unused",
        "sms_api_key": "test-key-123",
        "sms_sender": "VILLE-EX",
        "sms_callback_url": "https://relais.ville.example/v1/sms/reports",
        "sms_stop_number": "36111",
        "sms_timeout_s": 2.0,
        # Any time of day, any day: quiet hours have their own test below.
        "sms_quiet_start": time(0, 0),
        "sms_quiet_end": time(0, 0),
        "sms_quiet_weekdays": [],
        "sms_quiet_holidays": False,
        **overrides,
    }
    return NotificationSettings(**values)


def notice(template: str = "agent_reply", **context: Any) -> Notice:
    return Notice(
        key=str(uuid.uuid4()),
        request_id=str(uuid.uuid4()),
        reference="2026-T000042",
        template=template,
        context={"status_url": URL, "text": "Le trou sera rebouché lundi.", **context},
        created_at=datetime.now(UTC),
    )


def segments_counted(template: str, encoding: str) -> float:
    labels = {"template": template, "encoding": encoding}
    return REGISTRY.get_sample_value("relais_sms_segments_total", labels) or 0.0


def to(address: str = MOBILE) -> ContactPoint:
    return ContactPoint(channel="sms", address=address)


async def test_posts_the_providers_json_shape(gateway: Gateway, mongo_db: Any) -> None:
    channel = sms_channel_for(settings(sms_gateway_url=gateway.url), db=mongo_db)
    sent_notice = notice()
    before = segments_counted("agent_reply", "GSM-7")

    sent = await channel.send(sent_notice, to())

    text = (
        "Ville-Exemple : réponse du service à votre demande 2026-T000042 : "
        f'"Le trou sera rebouché lundi." Suivi : {URL}\nSTOP au 36111'
    )
    assert sent == Sent(provider_id="gw-1", detail=f"2 segment(s), GSM-7, {len(text)} units")
    (call,) = gateway.calls
    assert (call["method"], call["path"]) == ("POST", "/api/v1/sms")
    assert call["headers"]["authorization"] == "Bearer test-key-123"
    assert call["headers"]["idempotency-key"] == sent_notice.key
    assert call["headers"]["content-type"] == "application/json"
    assert call["json"] == {
        "sender": "VILLE-EX",
        "recipient": E164,
        "text": text,
        "encoding": "GSM-7",
        "segments": 2,
        "callback_url": "https://relais.ville.example/v1/sms/reports",
        "client_reference": sent_notice.key,
    }
    assert segments_counted("agent_reply", "GSM-7") == before + 2
    record = await mongo_db[MESSAGES].find_one({"_id": sent_notice.key})
    assert record["provider_id"] == "gw-1" and record["state"] == "accepted"
    assert record["request_id"] == sent_notice.request_id and record["segments"] == 2
    assert E164 not in str(record) and "rebouché" not in str(record)


async def test_api_key_header_when_configured(gateway: Gateway, mongo_db: Any) -> None:
    channel = sms_channel_for(
        settings(sms_gateway_url=gateway.url, sms_auth="api-key"), db=mongo_db
    )
    await channel.send(notice(), to())
    headers = gateway.calls[0]["headers"]
    assert headers["x-api-key"] == "test-key-123" and "authorization" not in headers


async def test_refused_number_is_a_permanent_failure(gateway: Gateway, mongo_db: Any) -> None:
    gateway.answers.append((400, {"message": "invalid recipient"}, {}))
    channel = sms_channel_for(settings(sms_gateway_url=gateway.url), db=mongo_db)
    refused = notice()
    with pytest.raises(PermanentError) as caught:
        await channel.send(refused, to())
    assert caught.value.reason.startswith("SMS refusé par l'opérateur (400)")
    record = await mongo_db[MESSAGES].find_one({"_id": refused.key})
    assert (record["state"], record["reason"]) == ("refused", caught.value.reason)


@pytest.mark.parametrize(
    ("status", "headers", "retry_s"),
    [(429, {"Retry-After": "30"}, 30), (500, {}, None), (503, {}, None)],
)
async def test_busy_or_broken_gateway_is_tried_again(
    gateway: Gateway, mongo_db: Any, status: int, headers: dict[str, str], retry_s: int | None
) -> None:
    gateway.answers.append((status, {"message": "try later"}, headers))
    channel = sms_channel_for(settings(sms_gateway_url=gateway.url), db=mongo_db)
    before = datetime.now(UTC)
    with pytest.raises(TransientError) as caught:
        await channel.send(notice(), to())
    if retry_s is None:
        assert caught.value.retry_at is None
    else:
        assert caught.value.retry_at is not None
        assert 0 <= (caught.value.retry_at - before).total_seconds() - retry_s < 5


async def test_retry_with_the_same_key_after_a_failure(gateway: Gateway, mongo_db: Any) -> None:
    gateway.answers.append((500, {}, {}))
    channel = sms_channel_for(settings(sms_gateway_url=gateway.url), db=mongo_db)
    again = notice()
    with pytest.raises(TransientError):
        await channel.send(again, to())
    assert (await channel.send(again, to())).provider_id == "gw-1"
    keys = {call["headers"]["idempotency-key"] for call in gateway.calls}
    assert keys == {again.key} and len(gateway.calls) == 2


async def test_time_out_is_tried_again(gateway: Gateway, mongo_db: Any) -> None:
    gateway.delay_s = 1.5
    channel = sms_channel_for(settings(sms_gateway_url=gateway.url, sms_timeout_s=0.3), db=mongo_db)
    with pytest.raises(TransientError, match="timed out"):
        await channel.send(notice(), to())


async def test_gateway_down_is_tried_again(mongo_db: Any) -> None:
    closed = f"http://127.0.0.1:{free_port()}/api/v1/sms"
    channel = sms_channel_for(settings(sms_gateway_url=closed), db=mongo_db)
    with pytest.raises(TransientError, match="unreachable"):
        await channel.send(notice(), to())


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("01 23 45 67 89", "ce numéro n'est pas un mobile : il ne peut pas recevoir de SMS."),
        ("12", "numéro de téléphone invalide : aucun SMS ne peut être envoyé."),
    ],
)
async def test_numbers_no_sms_reaches_fail_for_good_without_a_call(
    gateway: Gateway, mongo_db: Any, address: str, reason: str
) -> None:
    channel = sms_channel_for(settings(sms_gateway_url=gateway.url), db=mongo_db)
    with pytest.raises(PermanentError) as caught:
        await channel.send(notice(), to(address))
    assert caught.value.reason == reason and gateway.calls == []


async def test_opted_out_number_gets_nothing(gateway: Gateway, mongo_db: Any) -> None:
    await SmsOptOuts(db=mongo_db).opt_out(address=E164, at=datetime.now(UTC), source="sms")
    channel = sms_channel_for(settings(sms_gateway_url=gateway.url), db=mongo_db)
    with pytest.raises(PermanentError, match="STOP"):
        await channel.send(notice(), to("+33 6 12 34 56 78"))
    assert gateway.calls == []


async def test_quiet_hours_defer_to_the_next_allowed_time(gateway: Gateway, mongo_db: Any) -> None:
    saturday_night = datetime(2026, 12, 5, 21, 30, tzinfo=UTC)
    config = settings(sms_gateway_url=gateway.url)
    channel = SmsChannel(
        gateway=SmsHttpGateway(url=gateway.url, api_key="test-key-123"),
        opt_outs=SmsOptOuts(db=mongo_db),
        messages=SmsMessages(db=mongo_db),
        quiet_hours=QuietHours(),
        sender="VILLE-EX",
        callback_url="https://relais.ville.example/v1/sms/reports",
        town_name="Ville-Exemple",
        status_url=config.status_url,
        clock=lambda: saturday_night,
    )
    with pytest.raises(TransientError) as caught:
        await channel.send(notice(), to())
    assert caught.value.retry_at == datetime(2026, 12, 7, 7, 0, tzinfo=UTC)  # Monday 08:00
    assert gateway.calls == []


async def test_development_sink_stores_what_would_be_sent(mongo_db: Any) -> None:
    channel = sms_channel_for(settings(sms_gateway="sink"), db=mongo_db)
    stored = notice("acknowledgement", department="Voirie", due_date="lundi 7 décembre 2026")

    sent = await channel.send(stored, to())

    assert sent.provider_id == f"sink-{stored.key}"
    doc = await mongo_db[SINK].find_one({"_id": stored.key})
    assert doc["recipient"] == E164 and doc["sender"] == "VILLE-EX"
    assert doc["text"].startswith("Ville-Exemple : votre demande 2026-T000042 est enregistrée")
    assert URL in doc["text"] and doc["text"].endswith("STOP au 36111")
