"""Notification decisions: who is told, how, and which outcome event is published."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from services.notification.channels.base import ContactPoint
from services.notification.contacts import Contact
from services.notification.decisions import (
    Skip,
    Undeliverable,
    choose_channel,
    tells_citizen,
)
from services.notification.delivery import outcome_envelope
from services.notification.ledger import notification_id, outcome_event_id
from services.notification.smtp import MailerMisconfigured, RecipientRefused, _classified
from shared.errors import TransientError, is_transient
from shared.events import (
    ContactPreference,
    NotificationFailed,
    NotificationSent,
    RequestStatus,
    RequestStatusChanged,
)

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


def contact(preferred: ContactPreference, email: str | None = "a@example.org") -> Contact:
    return Contact(
        request_id="req-1",
        reference="2026-P000001",
        email=email,
        name="Camille",
        preferred_contact=preferred,
    )


def test_email_is_sent_to_those_who_prefer_it_in_the_thread_of_the_acknowledgement() -> None:
    decision = choose_channel(replace(contact(ContactPreference.EMAIL), acknowledgement_id="<a>"))
    assert decision == ContactPoint(
        channel="email", address="a@example.org", name="Camille", extra={"in_reply_to": "<a>"}
    )


def test_each_preference_gets_its_contact_point_with_what_the_channel_needs() -> None:
    full = replace(
        contact(ContactPreference.EMAIL),
        phone="+33612345678",
        facebook_psid="psid-1",
        postal_address="12 rue des Lilas\n99999 Ville-Exemple",
        conversation_id="conv-7",
        last_inbound_at=NOW,
    )
    points = {
        p: choose_channel(replace(full, preferred_contact=p))
        for p in (
            ContactPreference.SMS,
            ContactPreference.FACEBOOK,
            ContactPreference.CHATBOT,
            ContactPreference.POSTAL,
        )
    }
    assert {p.value: (c.channel, c.address) for p, c in points.items()} == {  # type: ignore[union-attr]
        "sms": ("sms", "+33612345678"),
        "facebook": ("facebook", "psid-1"),
        "chatbot": ("chatbot", "conv-7"),
        "postal": ("postal", "12 rue des Lilas\n99999 Ville-Exemple"),
    }
    assert points[ContactPreference.FACEBOOK].extra == {"last_inbound_at": NOW.isoformat()}  # type: ignore[union-attr]
    assert points[ContactPreference.CHATBOT].extra == {"conversation_id": "conv-7"}  # type: ignore[union-attr]


def test_no_address_is_a_permanent_failure_and_none_is_respected() -> None:
    assert choose_channel(contact(ContactPreference.EMAIL, email=None)) == Undeliverable(
        channel="email", reason="aucune adresse électronique connue", permanent=True
    )
    assert choose_channel(contact(ContactPreference.SMS)) == Undeliverable(
        channel="sms", reason="aucun numéro de téléphone connu", permanent=True
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


def _record(**overrides: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "_id": notification_id("trigger"),
        "request_id": "req-1",
        "reference": "2026-P000001",
        "state": "sent",
        "channel": "email",
        "template": "acknowledgement",
        "at": NOW,
        "provider_id": "<notif-x@ville.example>",
        "trigger": {"id": "trigger", "correlation_id": "corr-1"},
    }
    return fields | overrides


def test_sent_outcome_event_keeps_the_correlation_and_a_fixed_id() -> None:
    first = outcome_envelope(_record())
    again = outcome_envelope(_record())
    assert first.id == again.id == outcome_event_id(notification_id("trigger"), "sent")
    assert first.correlation_id == "corr-1" and first.causation_id == "trigger"
    assert first.source == "/relais/notification"
    assert isinstance(first.data, NotificationSent)
    assert first.data.message_id == "<notif-x@ville.example>"
    assert first.data.sent_at == NOW


def test_failed_outcome_event_says_why_and_whether_for_good() -> None:
    failed = _record(state="failed", reason="SMTP 550 unknown user", permanent=True)
    data = outcome_envelope(failed).data
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
