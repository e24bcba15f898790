"""Notifications per second per channel, through the notifier (contact book, preferences,
outbox, channel, outcome event on Kafka) into each registered channel's development sink, and
for email into a real SMTP server too.

    python -m tests.bench.notifications        (also part of `make bench`, phase "notifications")
"""

import asyncio
import time
import uuid
from typing import Any

from services.notification.app import assemble, channels_for, mailer_for
from services.notification.rendering import environment
from services.notification.settings import NotificationSettings
from shared.envelope import Envelope
from shared.events import Channel, Citizen, ContactPreference, FormData
from shared.kafka.producer import EventPublisher
from shared.kafka.topics import REQUESTS, provision_topics
from shared.mongo import connect
from tests.factories import routed_for, submitted
from tests.notification_support import Inbox
from tests.support import free_port

BATCH = 50  # what one consumer poll hands the notifier


def _citizen(channel: str, n: int) -> dict[str, Any]:
    """A request whose citizen prefers `channel`, with the address that channel needs."""
    name = f"Usager {n}"
    citizens = {
        "email": Citizen(name=name, email=f"usager{n}@example.org"),
        "sms": Citizen(name=name, phone=f"+3361{n:07d}", preferred_contact=ContactPreference.SMS),
        "facebook": Citizen(
            facebook_psid=f"psid-{n}", preferred_contact=ContactPreference.FACEBOOK
        ),
        "postal": Citizen(
            name=name,
            postal_address=f"{n} rue des Lilas\n99999 Ville-Exemple",
            preferred_contact=ContactPreference.POSTAL,
        ),
    }
    if channel == "chatbot":
        return {
            "channel": Channel.CHATBOT,
            "citizen": Citizen(name=name, preferred_contact=ContactPreference.CHATBOT),
            "form": FormData(form_type="chatbot", fields={"conversation_id": f"conv-{n}"}),
        }
    return {"citizen": citizens[channel]}


async def _rate(
    settings: NotificationSettings, db: Any, publisher: EventPublisher, *, channel: str, count: int
) -> float:
    notifier = assemble(
        settings,
        db=db,
        publisher=publisher,
        templates=environment(),
        email_transport=mailer_for(settings) if settings.email_transport == "smtp" else None,
    )
    requests = [submitted(**_citizen(channel, n)) for n in range(count)]
    known = [Envelope(data=r, source="/relais/bench") for r in requests]
    routed = [Envelope(data=routed_for(r), source="/relais/bench") for r in requests]
    for start in range(0, count, BATCH):
        await notifier.on_events(known[start : start + BATCH])  # the contact book, not timed
    began = time.perf_counter()
    for start in range(0, count, BATCH):
        await notifier.on_events(routed[start : start + BATCH])
    elapsed = time.perf_counter() - began
    sent = await db.notifications.count_documents({"state": "sent", "channel": channel})
    if sent < count:
        raise RuntimeError(f"{channel}: {sent} of {count} notifications sent")
    return count / elapsed


async def notification_rates(*, kafka: str, mongodb_uri: str, scale: float) -> dict[str, float]:
    count = max(int(200 * scale), 20)
    prefix = f"benchn{uuid.uuid4().hex[:8]}."
    await provision_topics(bootstrap_servers=kafka, prefix=prefix)
    client = connect(uri=mongodb_uri)
    publisher = EventPublisher(bootstrap_servers=kafka, topic=prefix + REQUESTS)
    await publisher.start()
    inbox = Inbox(port=free_port())
    await inbox.start()
    figures: dict[str, float] = {}
    databases = []
    try:
        sink = NotificationSettings(email_transport="sink", email_rate_per_hour=10_000)
        for name in channels_for(sink, db=client["unused"], templates=environment()):
            database = f"{prefix.replace('.', '_')}{name}"
            databases.append(database)
            rate = await _rate(sink, client[database], publisher, channel=name, count=count)
            figures[f"notifications_{name}_sink_per_s"] = rate
        smtp = sink.model_copy(update={"email_transport": "smtp", "smtp_port": inbox.port})
        database = f"{prefix.replace('.', '_')}email_smtp"
        databases.append(database)
        rate = await _rate(smtp, client[database], publisher, channel="email", count=count)
        figures["notifications_email_smtp_per_s"] = rate
    finally:
        await inbox.stop()
        await publisher.stop()
        for database in databases:
            await client.drop_database(database)
        await client.close()
    return figures


if __name__ == "__main__":
    import os

    print(
        asyncio.run(
            notification_rates(
                kafka=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
                mongodb_uri=os.environ.get("MONGODB_URI", "mongodb://127.0.0.1:27017/"),
                scale=float(os.environ.get("BENCH_SCALE", "1")),
            )
        )
    )
