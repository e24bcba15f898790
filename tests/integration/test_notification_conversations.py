"""Facebook and chatbot citizens are answered in their conversation, through the notifier,
the real broker and store (the channels' development sinks)."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from services.notification.app import build_app
from services.notification.channels.facebook import OUTSIDE_WINDOW
from services.notification.channels.sink import SINK
from services.notification.settings import NotificationSettings
from shared.envelope import Envelope
from shared.events import (
    Channel,
    Citizen,
    ContactPreference,
    Department,
    NotificationFailed,
    NotificationSent,
    RequestRouted,
    RequestSubmitted,
)
from shared.kafka.producer import EventPublisher
from shared.kafka.topics import REQUESTS
from shared.mongo import Document, connect
from shared.tokens import hash_token
from tests.conftest import KAFKA, MONGODB_URI
from tests.factories import submitted
from tests.support import eventually, free_port, published, serve_app

STATUS = "https://demarches.ville.example/suivi/{reference}"


@pytest.fixture
async def notifier_db(topic_prefix: str) -> AsyncIterator[AsyncDatabase[Document]]:
    database = f"test_notification_{uuid.uuid4().hex[:8]}"
    port = free_port()
    settings = NotificationSettings(
        kafka_bootstrap_servers=KAFKA,
        topic_prefix=topic_prefix,
        mongodb_uri=MONGODB_URI,
        mongodb_database=database,
        public_status_url=STATUS + "?code={code}",
        retry_max_delay_s=0.5,
        send_backoff_s=0.2,
        send_backoff_max_s=0.5,
        sweep_interval_s=0.2,
        public_notification_url=f"http://127.0.0.1:{port}",
    )
    client = connect(uri=MONGODB_URI)
    try:
        async with serve_app(build_app(settings), port=port):
            yield client[database]
    finally:
        await client.drop_database(database)
        await client.close()


def routed_for(request: RequestSubmitted) -> RequestRouted:
    return RequestRouted(
        request_id=request.request_id,
        reference=request.reference,
        department=Department(code="services_techniques", label="Services techniques"),
        due_at=request.submitted_at + timedelta(days=10),
        rule="category:voirie",
        explanation="Catégorie voirie.",
        routed_at=request.submitted_at,
    )


async def kept(db: AsyncDatabase[Document], channel: str, count: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    async def arrived() -> bool:
        found[:] = await db[SINK].find({"channel": channel}).to_list()
        return len(found) >= count

    await eventually(arrived, timeout=30)
    return found


async def test_messenger_and_chatbot_citizens_get_their_reference_in_their_conversation(
    notifier_db: AsyncDatabase[Document], publisher: EventPublisher
) -> None:
    request_id = uuid.uuid4().hex
    code = NotificationSettings().tracking_keys().code(request_id)
    facebook = submitted(
        request_id=request_id,
        tracking_token_hash=hash_token(code),
        channel=Channel.FACEBOOK,
        citizen=Citizen(facebook_psid="6543210", preferred_contact=ContactPreference.FACEBOOK),
    )
    chatbot = submitted(
        channel=Channel.CHATBOT,
        citizen=Citizen(
            chatbot_conversation_id="conv-9", preferred_contact=ContactPreference.CHATBOT
        ),
    )
    for event in (facebook, routed_for(facebook), chatbot, routed_for(chatbot)):
        await publisher.publish(Envelope(event, source="/relais/tests"))
    [fb] = await kept(notifier_db, "facebook", 1)
    assert fb["address"] == "6543210"
    assert fb["payload"]["messaging_type"] == "RESPONSE"
    assert facebook.reference in fb["payload"]["message"]["text"]
    text = fb["payload"]["message"]["text"]
    assert STATUS.format(reference=facebook.reference) + f"?code={code}" in text
    assert f"Votre code de suivi : {code}" in text
    [bot] = await kept(notifier_db, "chatbot", 1)
    assert bot["payload"]["conversation_id"] == "conv-9"
    assert chatbot.reference in bot["payload"]["text"]


async def test_outside_messengers_window_the_timeline_says_so(
    notifier_db: AsyncDatabase[Document], publisher: EventPublisher, topic_prefix: str
) -> None:
    old = submitted(
        channel=Channel.FACEBOOK,
        citizen=Citizen(facebook_psid="777", preferred_contact=ContactPreference.FACEBOOK),
        submitted_at=datetime.now(UTC) - timedelta(hours=30),
    )
    await publisher.publish(Envelope(old, source="/relais/tests"))
    await publisher.publish(Envelope(routed_for(old), source="/relais/tests"))
    failures: list[Any] = []

    async def told() -> bool:
        records = await published(KAFKA, topic_prefix + REQUESTS)
        failures[:] = [e.data for e in records if isinstance(e.data, NotificationFailed)]
        return bool(failures)

    await eventually(told, timeout=30, interval=0.3)
    [failure] = failures
    assert failure.channel == "facebook" and failure.permanent
    assert failure.reason == OUTSIDE_WINDOW
    assert await notifier_db[SINK].count_documents({"channel": "facebook"}) == 0
    records = await published(KAFKA, topic_prefix + REQUESTS)
    assert not [e for e in records if isinstance(e.data, NotificationSent)]
