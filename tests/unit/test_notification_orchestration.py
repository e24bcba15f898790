"""Notification's orchestration through its registered handlers: fake mailer, in-memory store."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from services.notification.channels.base import PermanentError, TransientError
from shared.envelope import Envelope
from shared.events import Citizen, NotificationFailed, NotificationSent, RequestStatus
from tests.factories import envelope, routed_for, status_for, submitted
from tests.notification_support import REFUSED, FakeMailer, ScriptedChannel, wired


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
    w = wired(mailer)
    events = _routed_requests(3)
    await w.harness.feed(*events)
    await w.harness.feed(*events)  # a redelivery sends nothing and publishes nothing again

    assert len(mailer.sent) == 3
    outcomes = w.publisher.of_type(NotificationSent)
    assert len(outcomes) == 3
    assert {o.causation_id for o in outcomes} == {e.id for e in events[1::2]}
    assert {o.data.template for o in outcomes} == {"acknowledgement"}
    assert {r["state"] for r in w.outbox()} == {"sent"}
    assert all(r["published"] for r in w.outbox())
    assert w.harness.dead_letters == []


async def test_requests_are_sent_in_parallel_within_the_bound() -> None:
    mailer = FakeMailer(delays=[0.02] * 12)
    w = wired(mailer, max_parallel_sends=4)
    await w.harness.feed(*_routed_requests(12))
    assert len(mailer.sent) == 12
    assert mailer.most_in_flight == 4


async def test_one_request_s_emails_keep_the_log_order_and_thread() -> None:
    mailer = FakeMailer(delays=[0.05, 0.0])  # the acknowledgement is the slow one
    w = wired(mailer)
    request = submitted()
    changed = status_for(request, RequestStatus.RESOLVED)
    await w.harness.feed(envelope(request), envelope(routed_for(request)), envelope(changed))

    templates = [o.data.template for o in w.publisher.of_type(NotificationSent)]
    assert templates == ["acknowledgement", "status_changed"]
    assert mailer.sent[1]["In-Reply-To"] == mailer.sent[0]["Message-ID"]


async def test_smtp_down_does_not_hold_the_partition_and_the_sweeper_sends_once() -> None:
    mailer = FakeMailer(down=True)
    w = wired(mailer, send_backoff_s=0.01)
    events = _routed_requests(3)
    await asyncio.wait_for(w.harness.feed(*events), timeout=2)  # committed, not blocked

    assert w.harness.committed == len(events)
    assert mailer.sent == []
    assert {r["state"] for r in w.outbox()} == {"waiting"}
    assert all(r["attempts"] == 1 for r in w.outbox())
    mailer.down = False
    await asyncio.sleep(0.03)
    assert await w.delivery.sweep() == 3
    assert await w.delivery.sweep() == 0  # nothing left: sent once
    assert len(mailer.sent) == 3
    assert len(w.publisher.of_type(NotificationSent)) == 3
    assert {r["state"] for r in w.outbox()} == {"sent"}


async def test_transient_failures_are_bounded_then_reported_not_permanent() -> None:
    mailer = FakeMailer(down=True)
    w = wired(mailer, send_attempts=3, send_backoff_s=0.001)
    await w.harness.feed(*_routed_requests(1))
    for _ in range(4):
        await asyncio.sleep(0.01)
        await w.delivery.sweep()

    [record] = w.outbox()
    assert (record["state"], record["attempts"]) == ("failed", 3)
    [failure] = w.publisher.of_type(NotificationFailed)
    assert not failure.data.permanent
    assert mailer.sent == []


async def test_retry_at_is_honoured() -> None:
    later = datetime.now(UTC) + timedelta(hours=8)
    sms = _sms(TransientError("quiet hours", retry_at=later))
    w = wired(extra=[sms])
    await w.harness.feed(*_routed_requests(1, phone="+33612345678", preferred_contact="sms"))
    [record] = w.outbox()
    assert record["state"] == "waiting" and record["next_attempt_at"] == later
    assert await w.delivery.sweep() == 0  # not due yet
    assert sms.tries == 1


async def test_permanent_failure_is_reported_and_the_contact_point_not_tried_again() -> None:
    mailer = FakeMailer()
    w = wired(mailer)
    first = _routed_requests(1, email=REFUSED)
    second = _routed_requests(1, email=REFUSED)  # a later request, same address
    await w.harness.feed(*first, *second)

    assert mailer.sent == []
    failures = w.publisher.of_type(NotificationFailed)
    assert [f.data.permanent for f in failures] == [True, True]
    assert "refusée" in failures[0].data.reason
    assert failures[1].data.reason.startswith("canal en échec définitif")
    assert sorted(r.get("attempts", 0) for r in w.outbox()) == [0, 1]  # the second not tried
    assert await w.delivery.sweep() == 0


async def test_an_unknown_request_is_dead_lettered_alone() -> None:
    mailer = FakeMailer()
    w = wired(mailer)
    stranger = envelope(routed_for(submitted()))  # its RequestSubmitted was never seen
    fine = _routed_requests(1)
    await w.harness.feed(stranger, *fine)

    [dead] = w.harness.dead_letters
    assert dict(dead.headers)["ce_id"] == stranger.id.encode()
    assert len(mailer.sent) == 1
    assert w.harness.committed == 3


def _sms(*script: Exception) -> ScriptedChannel:
    return ScriptedChannel(script=list(script))


async def test_each_preference_goes_to_its_registered_channel() -> None:
    mailer, sms = FakeMailer(), _sms()
    w = wired(mailer, extra=[sms])
    await w.harness.feed(
        *_routed_requests(1, phone="+33612345678", preferred_contact="sms"),
        *_routed_requests(1, email="camille@example.org"),
    )
    [(notice, point)] = sms.sent
    assert (point.channel, point.address, point.name) == ("sms", "+33612345678", "Camille Martin")
    assert notice.template == "acknowledgement"
    assert notice.context["reference"] == notice.reference
    assert notice.context["status_url"].endswith(notice.reference)
    assert "/v1/preferences/" in notice.context["opt_out_url"]
    assert len(mailer.sent) == 1
    sent = w.publisher.of_type(NotificationSent)
    assert sorted((o.data.channel, o.data.message_id) for o in sent)[1] == ("sms", "sms-1")


async def test_a_channel_not_configured_is_reported_as_not_permanent() -> None:
    w = wired(FakeMailer(), channels=["email", "sms"])
    await w.harness.feed(
        *_routed_requests(1, postal_address="12 rue des Lilas", preferred_contact="postal")
    )
    [failure] = w.publisher.of_type(NotificationFailed)
    assert (failure.data.channel, failure.data.permanent) == ("postal", False)
    assert "not configured" in failure.data.reason


async def test_a_preference_without_its_address_is_a_permanent_failure() -> None:
    w = wired(FakeMailer())
    await w.harness.feed(*_routed_requests(1, preferred_contact="facebook"))
    [failure] = w.publisher.of_type(NotificationFailed)
    assert failure.data.permanent and failure.data.reason == "aucun identifiant Messenger connu"


async def test_none_is_respected_silently() -> None:
    mailer = FakeMailer()
    w = wired(mailer)
    await w.harness.feed(*_routed_requests(1, email="a@example.org", preferred_contact="none"))
    assert mailer.sent == [] and w.publisher.published == [] and w.outbox() == []


async def test_an_opted_out_contact_point_gets_nothing_and_agents_are_told() -> None:
    mailer, sms = FakeMailer(), _sms()
    w = wired(mailer, extra=[sms])
    await w.notifier.opt_out("email", "  Camille@Example.org ")
    await w.notifier.opt_out("sms", "+33 6 12 34 56 78")
    await w.harness.feed(
        *_routed_requests(1, email="camille@example.org"),
        *_routed_requests(1, phone="+33612345678", preferred_contact="sms"),
    )
    assert mailer.sent == [] and sms.sent == []
    failures = w.publisher.of_type(NotificationFailed)
    assert [f.data.reason for f in failures] == ["l'usager a demandé à ne plus être contacté"] * 2
    assert all(f.data.permanent for f in failures)
    assert all("camille" not in str(doc) for doc in w.db["preferences"].docs.values())


async def test_a_pending_record_left_by_a_killed_process_is_sent_again_with_its_key() -> None:
    mailer, sms = FakeMailer(), _sms(RuntimeError("killed mid-send"))
    w = wired(mailer, extra=[sms], outbox_lease_s=0.01)
    events = _routed_requests(1, phone="+33612345678", preferred_contact="sms")
    await w.harness.feed(*events)  # the send crashes: the event is retried then dead-lettered
    [record] = w.outbox()
    assert record["state"] == "pending"
    await asyncio.sleep(0.02)  # the lease expires
    assert await w.delivery.sweep() == 1
    [(notice, _)] = sms.sent
    assert notice.key == record["_id"]
    assert [o.data.notification_id for o in w.publisher.of_type(NotificationSent)] == [
        record["_id"]
    ]


async def test_a_bounce_from_the_email_adapter_marks_the_address_failed_for_good() -> None:
    mailer = FakeMailer()
    w = wired(mailer)
    events = _routed_requests(1, email="camille@example.org")
    await w.harness.feed(*events)
    [sent] = w.publisher.of_type(NotificationSent)
    bounce = NotificationFailed(
        request_id=sent.data.request_id,
        reference=sent.data.reference,
        notification_id=sent.data.notification_id,
        channel="email",
        reason="550 5.1.1 boîte inconnue",
        permanent=True,
        failed_at=datetime.now(UTC),
    )
    await w.harness.feed(Envelope(data=bounce, source="/relais/email-adapter"))
    await w.harness.feed(*_routed_requests(1, email="camille@example.org"))

    assert len(mailer.sent) == 1
    failure = w.publisher.of_type(NotificationFailed)[-1]
    assert failure.data.reason == "canal en échec définitif : 550 5.1.1 boîte inconnue"


async def test_permanent_error_of_a_channel_is_recorded_once() -> None:
    sms = _sms(PermanentError("numéro invalide"))
    w = wired(extra=[sms])
    await w.harness.feed(*_routed_requests(1, phone="+33600000000", preferred_contact="sms"))
    await asyncio.sleep(0.02)
    assert await w.delivery.sweep() == 0
    assert sms.tries == 1
    [failure] = w.publisher.of_type(NotificationFailed)
    assert failure.data.reason == "numéro invalide" and failure.data.permanent


async def test_a_message_queued_behind_a_waiting_one_is_sent_after_it_in_the_thread() -> None:
    mailer = FakeMailer(down=True)
    w = wired(mailer, send_backoff_s=0.01)
    request = submitted()
    await w.harness.feed(envelope(request), envelope(routed_for(request)))
    mailer.down = False
    await w.harness.feed(envelope(status_for(request, RequestStatus.IN_PROGRESS)))
    assert mailer.sent == []  # queued behind the acknowledgement
    assert {r["state"] for r in w.outbox()} == {"waiting"}

    await asyncio.sleep(0.03)
    assert await w.delivery.sweep() == 2
    ack, update = mailer.sent
    assert "accusé de réception" in ack["Subject"]
    assert update["In-Reply-To"] == ack["Message-ID"]
    templates = [o.data.template for o in w.publisher.of_type(NotificationSent)]
    assert templates == ["acknowledgement", "status_changed"]


async def test_a_redelivered_event_does_not_send_a_waiting_notice_early() -> None:
    mailer = FakeMailer(down=True)
    w = wired(mailer, send_backoff_s=60)
    events = _routed_requests(1)
    await w.harness.feed(*events)
    mailer.down = False
    await w.harness.feed(*events)
    assert mailer.sent == []
    assert [r["attempts"] for r in w.outbox()] == [1]
