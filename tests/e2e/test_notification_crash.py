"""Notification killed with SIGKILL in the middle of a stream of 500 events, then restarted:
every citizen gets every message (no loss), and at most the sends in flight at the kill are
sent twice (same Message-ID). The counts are printed; the README quotes them."""

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

from shared.envelope import Envelope
from shared.events import Citizen, RequestStatus
from shared.kafka.producer import EventPublisher
from shared.kafka.topics import REQUESTS
from shared.mongo import connect
from tests.conftest import KAFKA, MONGODB_URI
from tests.e2e.crash import ServiceProcess, crash_namespace, kill_under_load
from tests.factories import routed_for, status_for, submitted
from tests.notification_support import Inbox
from tests.support import eventually, free_port

REQUESTS_COUNT = 125
EXPECTED_MAILS = REQUESTS_COUNT * 3  # acknowledgement, in progress, resolved
KILL_AFTER_MAILS = 100
PACE_S = 0.04  # the stream lasts longer than the first 100 emails take
IN_FLIGHT = 8  # MAX_PARALLEL_SENDS: the sends that can be under way at the kill


def _events() -> list[Envelope[Any]]:
    envelopes: list[Envelope[Any]] = []
    for i in range(REQUESTS_COUNT):
        request = submitted(citizen=Citizen(name="Camille", email=f"usager{i}@example.org"))
        envelopes += [
            Envelope(data=event, source="/relais/tests")
            for event in (
                request,
                routed_for(request),
                status_for(request, RequestStatus.IN_PROGRESS),
                status_for(request, RequestStatus.RESOLVED),
            )
        ]
    return envelopes


async def publish_all(publisher: EventPublisher, envelopes: list[Envelope[Any]]) -> None:
    for envelope in envelopes:  # one at a time, each acknowledged: a steady, paced stream
        await publisher.publish(envelope)
        await asyncio.sleep(PACE_S)


async def test_notification_survives_sigkill_mid_stream(tmp_path: Path) -> None:
    envelopes = _events()
    inbox = Inbox(port=free_port())
    await inbox.start()
    async with crash_namespace("notification") as space:
        env = space.env | {
            "SMTP_PORT": str(inbox.port),
            "MAX_PARALLEL_SENDS": str(IN_FLIGHT),
            "OUTBOX_LEASE_S": "3",
            "SWEEP_INTERVAL_S": "0.5",
        }
        notification = ServiceProcess("notification", env=env, log=tmp_path / "notification.log")
        client = connect(uri=MONGODB_URI)
        db: Any = client[space.database]
        publisher = EventPublisher(bootstrap_servers=KAFKA, topic=space.prefix + REQUESTS)
        await publisher.start()

        async def mails() -> int:
            return len(inbox.messages)

        try:
            async with notification.running():
                killed = await kill_under_load(
                    notification,
                    load=publish_all(publisher, envelopes),
                    count=mails,
                    at=KILL_AFTER_MAILS,
                    timeout_s=60,
                    interval_s=0.01,
                )
            mails_at_kill = killed.count
            # Mid-stream for the notifier: emails were still to come when it died (on a slow
            # machine the producer may be done while the notifier is still behind).
            assert mails_at_kill < EXPECTED_MAILS - IN_FLIGHT, "the kill came after the stream"
            await killed.load

            async with notification.running():

                async def caught_up() -> bool:
                    sent = await db.notifications.count_documents(
                        {"state": "sent", "published": True}
                    )
                    return sent >= EXPECTED_MAILS

                await eventually(caught_up, timeout=120, interval=0.3)
                await asyncio.sleep(1.0)  # anything still in flight lands
        finally:
            await publisher.stop()
            await client.close()
            await inbox.stop()

    ids = Counter(str(m["Message-ID"]) for m in inbox.messages)
    duplicates = sum(n - 1 for n in ids.values())
    losses = EXPECTED_MAILS - len(ids)
    print(
        f"\nnotification SIGKILL: {len(envelopes)} events, {EXPECTED_MAILS} emails expected, "
        f"{mails_at_kill} received at the kill, {len(inbox.messages)} received in all: "
        f"{losses} lost, {duplicates} duplicated (in-flight bound {IN_FLIGHT})"
    )
    assert losses == 0
    assert duplicates <= IN_FLIGHT
