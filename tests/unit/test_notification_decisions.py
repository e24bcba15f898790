"""Notification decisions: who is told, how, and which outcome event is published."""

from datetime import UTC, datetime

import pytest

from services.notification.contacts import Contact
from services.notification.decisions import (
    ByEmail,
    Skip,
    Undeliverable,
    choose_channel,
    tells_citizen,
)
from services.notification.handlers import outcome_envelope
from services.notification.ledger import Outcome, notification_id, outcome_event_id
from services.notification.smtp import MailerMisconfigured, RecipientRefused, _classified
from shared.errors import TransientError, is_transient
from shared.events import (
    ContactPreference,
    NotificationFailed,
    NotificationSent,
    RequestStatus,
    RequestStatusChanged,
)
from tests.factories import envelope

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


def contact(preferred: ContactPreference, email: str | None = "a@example.org") -> Contact:
    return Contact(
        request_id="req-1",
        reference="2026-P000001",
        email=email,
        name="Camille",
        preferred_contact=preferred,
    )


def test_email_is_sent_to_those_who_prefer_it() -> None:
    decision = choose_channel(contact(ContactPreference.EMAIL))
    assert isinstance(decision, ByEmail)
    assert decision.recipient.email == "a@example.org"
    assert decision.recipient.name == "Camille"


@pytest.mark.parametrize(
    "preferred", [ContactPreference.SMS, ContactPreference.POSTAL, ContactPreference.FACEBOOK]
)
def test_other_channels_are_reported_as_not_yet_delivered(preferred: ContactPreference) -> None:
    decision = choose_channel(contact(preferred))
    assert decision == Undeliverable(
        channel=preferred.value,
        reason=f"channel {preferred.value} is not supported yet; only email is sent",
        permanent=False,
    )


def test_no_address_is_a_permanent_failure_and_none_is_respected() -> None:
    assert choose_channel(contact(ContactPreference.EMAIL, email=None)) == Undeliverable(
        channel="email", reason="no email address known", permanent=True
    )
    assert isinstance(choose_channel(contact(ContactPreference.NONE)), Skip)


@pytest.mark.parametrize(
    ("status", "internal", "told"),
    [
        (RequestStatus.IN_PROGRESS, False, True),
        (RequestStatus.WAITING_CITIZEN, False, True),
        (RequestStatus.RESOLVED, False, True),
        (RequestStatus.CANCELLED, False, True),
        (RequestStatus.RESOLVED, True, False),
        (RequestStatus.ROUTED, False, False),
        (RequestStatus.RECEIVED, False, False),
    ],
)
def test_which_status_changes_are_told(status: RequestStatus, internal: bool, told: bool) -> None:
    event = RequestStatusChanged(
        request_id="r",
        reference="2026-P000001",
        status=status,
        internal=internal,
        actor="agent",
        changed_at=NOW,
    )
    assert tells_citizen(event) is told


def test_ids_derive_from_the_trigger() -> None:
    assert notification_id("event-1") == notification_id("event-1")
    assert notification_id("event-1") != notification_id("event-2")
    sent = outcome_event_id(notification_id("event-1"), "sent")
    assert sent != outcome_event_id(notification_id("event-1"), "failed")


def _outcome(**overrides: object) -> Outcome:
    fields: dict[str, object] = {
        "notification_id": notification_id("trigger"),
        "request_id": "req-1",
        "reference": "2026-P000001",
        "state": "sent",
        "channel": "email",
        "template": "acknowledgement",
        "at": NOW,
        "message_id": "<notif-x@ville.example>",
    }
    return Outcome(**(fields | overrides))  # type: ignore[arg-type]


def test_sent_outcome_event_keeps_the_correlation_and_a_fixed_id() -> None:
    trigger = envelope(correlation_id="corr-1")
    first = outcome_envelope(trigger, _outcome())
    again = outcome_envelope(trigger, _outcome())
    assert first.id == again.id == outcome_event_id(_outcome().notification_id, "sent")
    assert first.correlation_id == "corr-1" and first.causation_id == trigger.id
    assert first.source == "/relais/notification"
    assert isinstance(first.data, NotificationSent)
    assert first.data.message_id == "<notif-x@ville.example>"
    assert first.data.sent_at == NOW


def test_failed_outcome_event_says_why_and_whether_for_good() -> None:
    failed = _outcome(state="failed", reason="SMTP 550 unknown user", permanent=True)
    data = outcome_envelope(envelope(), failed).data
    assert isinstance(data, NotificationFailed)
    assert (data.reason, data.permanent, data.channel) == ("SMTP 550 unknown user", True, "email")


def test_smtp_replies_are_sorted_for_the_consumer_runner() -> None:
    assert is_transient(_classified(451, "try later", recipient=True))
    assert is_transient(_classified(421, "busy", recipient=False))
    refused = _classified(550, "5.1.1 no such user", recipient=True)
    assert isinstance(refused, RecipientRefused) and refused.code == 550
    assert not is_transient(refused)
    setup = _classified(535, "authentication failed", recipient=False)
    assert isinstance(setup, MailerMisconfigured) and not is_transient(setup)
    assert isinstance(_classified(452, "full", recipient=True), TransientError)
