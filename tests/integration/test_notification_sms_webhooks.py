"""The SMS provider's callbacks on the notification HTTP app, with the real store and Kafka:
STOP and START replies, delivery reports (a failure becomes NotificationFailed once), and
problem+json for unsigned, forged or malformed posts."""

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time
from typing import Any

import httpx
import pytest

from services.notification.channels.base import ContactPoint, Notice, PermanentError
from services.notification.channels.sms import SmsChannel
from services.notification.settings import NotificationSettings
from services.notification.sms_reports import failure_event_id
from services.notification.sms_webhooks import sign
from services.notification.sms_wiring import mount_sms
from shared.events import NotificationFailed
from shared.http import create_app
from shared.kafka.producer import EventPublisher
from shared.kafka.topics import REQUESTS
from tests.support import free_port, published

SECRET = "test-sms-webhook-secret-0123456789"
MOBILE = "+33612345678"
SETTINGS = NotificationSettings(
    sms_gateway="sink",
    sms_webhook_secret=SECRET,
    sms_quiet_start=time(0, 0),
    sms_quiet_end=time(0, 0),
    sms_quiet_weekdays=[],
    sms_quiet_holidays=False,
)


class Webhooks:
    def __init__(self, client: httpx.AsyncClient, channel: SmsChannel) -> None:
        self.client = client
        self.channel = channel

    async def post(
        self, path: str, body: Any, *, secret: str | None = SECRET, raw: bytes | None = None
    ) -> httpx.Response:
        content = raw if raw is not None else json.dumps(body).encode()
        headers = {"content-type": "application/json"}
        if secret is not None:
            headers["X-Sms-Signature"] = sign(secret=secret, body=content)
        return await self.client.post(path, content=content, headers=headers)

    async def send(self) -> Notice:
        notice = Notice(
            key=str(uuid.uuid4()),
            request_id=str(uuid.uuid4()),
            reference="2026-T000042",
            template="acknowledgement",
            context={"status_url": "https://ville.example/suivi/2026-T000042"},
            created_at=datetime.now(UTC),
        )
        await self.channel.send(notice, ContactPoint(channel="sms", address=MOBILE))
        return notice


@pytest.fixture
async def hooks(mongo_db: Any, publisher: EventPublisher) -> AsyncIterator[Webhooks]:
    app = create_app(title="notification", description="SMS webhooks")
    channel = mount_sms(app, settings=SETTINGS, db=mongo_db, publisher=publisher)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://notification") as client:
        yield Webhooks(client, channel)


def inbound(text: str, sender: str = "+33 6 12 34 56 78") -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "from": sender, "to": "36111", "text": text}


async def test_stop_opts_the_number_out_and_start_back_in(hooks: Webhooks) -> None:
    await hooks.send()
    answer = await hooks.post("/v1/sms/inbound", inbound("Stop SMS"))
    assert answer.status_code == 200 and answer.json() == {"status": "opted_out"}
    with pytest.raises(PermanentError, match="l'usager a répondu STOP"):
        await hooks.send()
    again = await hooks.post("/v1/sms/inbound", inbound("STOP"))
    assert again.json() == {"status": "opted_out"}

    assert (await hooks.post("/v1/sms/inbound", inbound("START"))).json() == {"status": "opted_in"}
    await hooks.send()


async def test_other_replies_change_nothing(hooks: Webhooks) -> None:
    answer = await hooks.post("/v1/sms/inbound", inbound("Merci, à lundi"))
    assert answer.json() == {"status": "ignored"}
    await hooks.send()


async def test_failed_delivery_is_published_once(
    hooks: Webhooks, kafka_bootstrap: str, topic_prefix: str
) -> None:
    notice = await hooks.send()
    report = {"id": f"sink-{notice.key}", "status": "UNDELIV", "error": "absent subscriber"}

    first = await hooks.post("/v1/sms/reports", report)
    second = await hooks.post("/v1/sms/reports", report)

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json() == {"status": "failed"}
    events = await published(kafka_bootstrap, topic_prefix + REQUESTS)
    (failure,) = [e for e in events if isinstance(e.data, NotificationFailed)]
    assert failure.id == failure_event_id(notice.key)
    assert failure.data.request_id == notice.request_id
    assert failure.data.reference == "2026-T000042"
    assert failure.data.notification_id == notice.key
    assert (failure.data.channel, failure.data.permanent) == ("sms", True)
    assert failure.data.reason == (
        "SMS non distribué par l'opérateur (statut undeliv, motif : absent subscriber)."
    )


async def test_report_found_by_client_reference(
    hooks: Webhooks, kafka_bootstrap: str, topic_prefix: str
) -> None:
    notice = await hooks.send()
    report = {"id": "other-id", "client_reference": notice.key, "status": "delivered"}
    answer = await hooks.post("/v1/sms/reports", report)
    assert answer.json() == {"status": "delivered"}
    # Delivered is final: a late failure report changes nothing and publishes nothing.
    late = {"id": f"sink-{notice.key}", "status": "expired"}
    assert (await hooks.post("/v1/sms/reports", late)).status_code == 200
    events = await published(kafka_bootstrap, topic_prefix + REQUESTS)
    assert not [e for e in events if isinstance(e.data, NotificationFailed)]


async def test_interim_report_is_ignored(hooks: Webhooks) -> None:
    notice = await hooks.send()
    answer = await hooks.post("/v1/sms/reports", {"id": f"sink-{notice.key}", "status": "sent"})
    assert answer.json() == {"status": "ignored"}


async def test_unknown_message_is_404_so_the_provider_posts_again(hooks: Webhooks) -> None:
    answer = await hooks.post("/v1/sms/reports", {"id": "nobody", "status": "failed"})
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["detail"] == "Message SMS inconnu."


@pytest.mark.parametrize("path", ["/v1/sms/inbound", "/v1/sms/reports"])
async def test_unsigned_or_forged_posts_are_refused(hooks: Webhooks, path: str) -> None:
    unsigned = await hooks.post(path, inbound("STOP"), secret=None)
    assert unsigned.status_code == 401
    assert unsigned.headers["content-type"] == "application/problem+json"
    assert unsigned.json()["detail"] == "Signature absente (en-tête X-Sms-Signature)."
    forged = await hooks.post(path, inbound("STOP"), secret="another-secret-0123456789")
    assert forged.status_code == 403
    assert forged.json()["detail"] == "Signature invalide (en-tête X-Sms-Signature)."


async def test_malformed_bodies_are_problems_not_errors(hooks: Webhooks) -> None:
    bad_json = await hooks.post("/v1/sms/inbound", None, raw=b"{not json")
    assert bad_json.status_code == 400
    assert bad_json.json()["detail"] == "Le corps de la requête n'est pas un JSON valide."

    missing = await hooks.post("/v1/sms/inbound", {"id": "1", "text": "STOP"})
    assert missing.status_code == 422
    assert missing.headers["content-type"] == "application/problem+json"
    assert {"field": "from", "message": "Ce champ est obligatoire."} in missing.json()["errors"]

    bad_number = await hooks.post("/v1/sms/inbound", inbound("STOP", sender="abc"))
    assert bad_number.status_code == 422
    assert bad_number.json()["detail"] == "Numéro de l'expéditeur invalide (E.164 attendu)."

    no_status = await hooks.post("/v1/sms/reports", {"id": "x"})
    assert no_status.status_code == 422


async def test_report_is_not_acknowledged_before_kafka(
    hooks: Webhooks, mongo_db: Any, kafka_bootstrap: str, topic_prefix: str
) -> None:
    notice = await hooks.send()
    report = {"id": f"sink-{notice.key}", "status": "failed"}
    down = EventPublisher(
        bootstrap_servers=f"127.0.0.1:{free_port()}", topic=topic_prefix + REQUESTS, timeout_s=1
    )
    app = create_app(title="notification", description="SMS webhooks, Kafka down")
    mount_sms(app, settings=SETTINGS, db=mongo_db, publisher=down)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://notification") as client:
        refused = await Webhooks(client, hooks.channel).post("/v1/sms/reports", report)
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "5"

    # The provider posts again once Kafka is back: the failure is published then, once.
    assert (await hooks.post("/v1/sms/reports", report)).json() == {"status": "failed"}
    events = await published(kafka_bootstrap, topic_prefix + REQUESTS)
    failures = [e for e in events if isinstance(e.data, NotificationFailed)]
    assert [e.id for e in failures] == [failure_event_id(notice.key)]
