"""Notification killed with SIGKILL in the middle of a stream of 500 events, then restarted:
every citizen gets every message (no loss), and at most the sends in flight at the kill are
sent twice (same Message-ID). The counts are printed; the README quotes them."""

import asyncio
import os
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx

from shared.envelope import Envelope
from shared.events import Citizen, RequestStatus
from shared.kafka.producer import EventPublisher
from shared.kafka.topics import REQUESTS, provision_topics
from shared.mongo import connect
from tests.conftest import KAFKA, MONGODB_URI
from tests.factories import routed_for, status_for, submitted
from tests.notification_support import Inbox
from tests.support import eventually, free_port

ROOT = Path(__file__).resolve().parents[2]
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


@contextmanager
def notification_process(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "services.notification"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def wait_ready(process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=2) as http:

        async def ready() -> bool:
            assert process.poll() is None, log.read_text()[-3000:]
            try:
                return (await http.get("/readyz")).status_code == 200
            except httpx.TransportError:
                return False

        await eventually(ready, timeout=60, interval=0.1)


@asynccontextmanager
async def namespace() -> AsyncIterator[tuple[str, str]]:
    prefix = f"ncrash{uuid.uuid4().hex[:8]}."
    database = f"test_notification_crash_{uuid.uuid4().hex[:8]}"
    await provision_topics(bootstrap_servers=KAFKA, prefix=prefix)
    try:
        yield prefix, database
    finally:
        client = connect(uri=MONGODB_URI)
        await client.drop_database(database)
        await client.close()


async def publish_all(publisher: EventPublisher, envelopes: list[Envelope[Any]]) -> None:
    for envelope in envelopes:  # one at a time, each acknowledged: a steady, paced stream
        await publisher.publish(envelope)
        await asyncio.sleep(PACE_S)


async def test_notification_survives_sigkill_mid_stream(tmp_path: Path) -> None:
    envelopes = _events()
    inbox = Inbox(port=free_port())
    await inbox.start()
    log = tmp_path / "notification.log"
    async with namespace() as (prefix, database):
        port = free_port()
        env = os.environ | {
            "KAFKA_BOOTSTRAP_SERVERS": KAFKA,
            "MONGODB_URI": MONGODB_URI,
            "TOPIC_PREFIX": prefix,
            "MONGODB_DATABASE": database,
            "HTTP_PORT": str(port),
            "SMTP_PORT": str(inbox.port),
            "MAX_PARALLEL_SENDS": str(IN_FLIGHT),
            "OUTBOX_LEASE_S": "3",
            "SWEEP_INTERVAL_S": "0.5",
            "LOG_LEVEL": "WARNING",
        }
        base_url = f"http://127.0.0.1:{port}"
        client = connect(uri=MONGODB_URI)
        db: Any = client[database]
        publisher = EventPublisher(bootstrap_servers=KAFKA, topic=prefix + REQUESTS)
        await publisher.start()
        try:
            with notification_process(env, log) as first:
                await wait_ready(first, base_url, log)
                stream = asyncio.create_task(publish_all(publisher, envelopes))

                async def some_sent() -> bool:
                    return len(inbox.messages) >= KILL_AFTER_MAILS

                await eventually(some_sent, timeout=60, interval=0.01)
                first.kill()  # SIGKILL: no graceful shutdown, no last commit
                first.wait(timeout=10)
            mails_at_kill = len(inbox.messages)
            # Mid-stream for the notifier: emails were still to come when it died (on a slow
            # machine the producer may be done while the notifier is still behind).
            assert mails_at_kill < EXPECTED_MAILS - IN_FLIGHT, "the kill came after the stream"
            await stream

            with notification_process(env, log) as second:
                await wait_ready(second, base_url, log)

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
