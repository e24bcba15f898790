"""Notification's orchestration through its registered handlers: fake mailer, in-memory store."""

import asyncio
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from services.notification.handlers import Notifier
from services.notification.settings import NotificationSettings
from services.notification.smtp import RecipientRefused
from shared.errors import TransientError
from shared.events import Citizen, NotificationFailed, NotificationSent, RequestStatus
from tests.factories import envelope, routed_for, status_for, submitted
from tests.fakes import InMemoryDatabase, InMemoryPublisher
from tests.harness import Harness

REFUSED = "inconnu@example.org"


@dataclass
class FakeMailer:
    """Records what it sends; can be down, refuse REFUSED, and take time."""

    delays: list[float] = field(default_factory=list)
    down: bool = False
    sent: list[EmailMessage] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0

    async def send(self, message: EmailMessage) -> None:
        if self.down:
            raise TransientError("SMTP server down")
        if message["To"].addresses[0].addr_spec == REFUSED:
            raise RecipientRefused(550, "Destinataire inconnu")
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delays.pop(0) if self.delays else 0.005)
        finally:
            self.in_flight -= 1
        self.sent.append(message)


def _harness(mailer: FakeMailer, *, parallel: int = 8) -> Harness:
    publisher = InMemoryPublisher()
    notifier = Notifier(
        db=InMemoryDatabase(),  # type: ignore[arg-type]
        publisher=publisher,  # type: ignore[arg-type]
        mailer=mailer,  # type: ignore[arg-type]
        settings=NotificationSettings(max_parallel_sends=parallel),
    )
    return Harness(notifier.handlers(), publisher=publisher, group="notification")


def _routed_requests(count: int, **citizen: Any) -> list[Any]:
    events = []
    for _ in range(count):
        request = (
            submitted(citizen=Citizen(name="Camille Martin", **citizen))
            if citizen
            else (submitted())
        )
        events += [envelope(request), envelope(routed_for(request))]
    return events


async def test_each_routed_request_is_acknowledged_once_even_when_redelivered() -> None:
    mailer = FakeMailer()
    harness = _harness(mailer)
    events = _routed_requests(3)
    await harness.feed(*events)
    await harness.feed(*events)  # a redelivery sends nothing and publishes nothing again

    assert len(mailer.sent) == 3
    outcomes = harness.publisher.of_type(NotificationSent)
    assert len(outcomes) == 3
    assert {o.causation_id for o in outcomes} == {e.id for e in events[1::2]}
    assert {o.data.template for o in outcomes} == {"acknowledgement"}
    assert harness.dead_letters == []


async def test_requests_are_sent_in_parallel_within_the_bound() -> None:
    mailer = FakeMailer(delays=[0.02] * 12)
    harness = _harness(mailer, parallel=4)
    await harness.feed(*_routed_requests(12))
    assert len(mailer.sent) == 12
    assert mailer.most_in_flight == 4


async def test_one_request_s_emails_keep_the_log_order() -> None:
    mailer = FakeMailer(delays=[0.05, 0.0])  # the acknowledgement is the slow one
    harness = _harness(mailer)
    request = submitted()
    changed = status_for(request, RequestStatus.RESOLVED)
    await harness.feed(envelope(request), envelope(routed_for(request)), envelope(changed))

    templates = [o.data.template for o in harness.publisher.of_type(NotificationSent)]
    assert templates == ["acknowledgement", "status_changed"]
    assert mailer.sent[1]["In-Reply-To"] == mailer.sent[0]["Message-ID"]


async def test_mail_waits_for_the_smtp_server_and_is_sent_once() -> None:
    mailer = FakeMailer(down=True)
    harness = _harness(mailer)
    feeding = asyncio.create_task(harness.feed(*_routed_requests(3)))
    await asyncio.sleep(0.05)
    assert not feeding.done()
    assert mailer.sent == []
    mailer.down = False
    await asyncio.wait_for(feeding, timeout=5)
    assert len(mailer.sent) == 3
    assert len(harness.publisher.of_type(NotificationSent)) == 3


async def test_an_unknown_request_is_dead_lettered_alone_and_a_refusal_is_reported() -> None:
    mailer = FakeMailer()
    harness = _harness(mailer)
    stranger = envelope(routed_for(submitted()))  # its RequestSubmitted was never seen
    refused = _routed_requests(1, email=REFUSED)
    fine = _routed_requests(1)
    await harness.feed(*refused, stranger, *fine)

    [dead] = harness.dead_letters
    assert dict(dead.headers)["ce_id"] == stranger.id.encode()
    assert len(mailer.sent) == 1
    [failure] = harness.publisher.of_type(NotificationFailed)
    assert failure.data.permanent
    assert failure.data.request_id == refused[0].data.request_id
    assert harness.committed == 5
