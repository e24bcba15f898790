"""Intake's orchestration with in-memory stand-ins: one draft, one event, published once."""

from datetime import UTC, datetime

import pytest

from shared.envelope import Envelope
from shared.errors import BrokerUnavailable
from shared.events import Channel, Citizen, CitizenMessageReceived, RequestSubmitted
from shared.intake import Intake, RequestDraft
from shared.tokens import TrackingKeys, hash_token, token_matches
from tests.fakes import InMemoryDeliveries, InMemoryPublisher, SequentialReferences

DRAFT = RequestDraft(
    channel=Channel.PORTAL,
    channel_message_id="key-1",
    category="eclairage",
    subject="Lampadaire éteint",
    description="Rue des Lilas, depuis lundi",
    citizen=Citizen(email="camille@example.org", name="Camille Martin"),
    raw_ref="portal:raw/1",
)
KEYS = TrackingKeys(version="1", secret="unit-test-tracking-secret", retired={})


def _intake() -> tuple[Intake, InMemoryPublisher, InMemoryDeliveries]:
    publisher, deliveries = InMemoryPublisher(), InMemoryDeliveries()
    intake = Intake(
        deliveries=deliveries,
        references=SequentialReferences(),
        publisher=publisher,
        source="/relais/tests",
        keys=KEYS,
    )
    return intake, publisher, deliveries


async def test_a_draft_becomes_one_event_with_its_identity() -> None:
    intake, publisher, deliveries = _intake()
    receipt = await intake.submit(DRAFT, correlation_id="corr-1")
    await intake.settle()
    [envelope] = publisher.published
    event = envelope.data
    assert isinstance(event, RequestSubmitted)
    assert (event.request_id, event.reference) == (receipt.request_id, receipt.reference)
    assert event.reference == f"{datetime.now(UTC).year}-P000001"
    token = receipt.tracking_token
    assert token and token_matches(token, event.tracking_token_hash)
    assert event.tracking_token_hash == hash_token(token)
    assert token == KEYS.code(event.request_id)  # derived, so notification can recompute it
    assert abs((datetime.now(UTC) - event.submitted_at).total_seconds()) < 5
    assert event.model_dump(include=set(RequestDraft.model_fields)) == DRAFT.model_dump()
    assert envelope.correlation_id == "corr-1" and envelope.source == "/relais/tests"
    assert deliveries.records["portal:key-1"]["state"] == "published"
    assert not receipt.duplicate


async def test_broker_down_raises_and_nothing_is_recorded_as_published() -> None:
    intake, publisher, deliveries = _intake()
    publisher.down = True
    with pytest.raises(BrokerUnavailable):
        await intake.submit(DRAFT)
    await intake.settle()
    assert publisher.published == []
    assert deliveries.records["portal:key-1"]["state"] == "pending"


async def test_a_redelivery_after_an_outage_publishes_the_first_event_again() -> None:
    intake, publisher, deliveries = _intake()
    publisher.down = True
    with pytest.raises(BrokerUnavailable):
        await intake.submit(DRAFT)
    first_event_id = deliveries.records["portal:key-1"]["event_id"]
    publisher.down = False
    receipt = await intake.submit(DRAFT)
    await intake.settle()
    [envelope] = publisher.published
    assert envelope.id == first_event_id and receipt.duplicate
    assert deliveries.records["portal:key-1"]["state"] == "published"


async def test_a_redelivery_returns_the_same_receipt_and_publishes_nothing_more() -> None:
    intake, publisher, _ = _intake()
    first = await intake.submit(DRAFT)
    await intake.settle()
    again = await intake.submit(DRAFT.model_copy(update={"description": "autre texte"}))
    assert (again.request_id, again.reference, again.tracking_token) == (
        first.request_id,
        first.reference,
        first.tracking_token,
    )
    assert again.duplicate and len(publisher.published) == 1


async def test_the_code_is_never_stored_only_the_version_of_its_key() -> None:
    intake, _, deliveries = _intake()
    receipt = await intake.submit(DRAFT)
    await intake.settle()
    record = deliveries.records["portal:key-1"]
    assert receipt.tracking_token and receipt.tracking_token not in str(record)
    assert record["tracking_key_version"] == "1"


async def test_a_redelivery_recorded_before_derived_codes_shows_its_stored_random_code() -> None:
    intake, _, deliveries = _intake()
    first = await intake.submit(DRAFT)
    await intake.settle()
    record = deliveries.records["portal:key-1"]
    record.pop("tracking_key_version")
    record["tracking_token"] = "ancien-code-aleatoire"
    again = await intake.submit(DRAFT)
    assert again.request_id == first.request_id and again.tracking_token == "ancien-code-aleatoire"


async def test_a_quick_retry_before_the_bookkeeping_is_not_published_again() -> None:
    intake, publisher, deliveries = _intake()
    first = await intake.submit(DRAFT)
    assert deliveries.records["portal:key-1"]["state"] == "pending"  # marked after answering
    again = await intake.submit(DRAFT)
    await intake.settle()
    assert again.request_id == first.request_id and again.duplicate
    assert len(publisher.published) == 1


async def test_a_delivery_left_pending_by_another_process_is_republished_as_the_same_event() -> (
    None
):
    intake, publisher, deliveries = _intake()
    first = await intake.submit(DRAFT)
    await intake.settle()
    deliveries.records["portal:key-1"]["state"] = "pending"  # that process died before marking
    other = Intake(
        deliveries=deliveries,
        references=SequentialReferences(),
        publisher=publisher,
        source="/relais/tests",
        keys=KEYS,
    )
    again = await other.submit(DRAFT)
    assert again.request_id == first.request_id and again.duplicate
    assert len(publisher.published) == 2
    assert len({envelope.id for envelope in publisher.published}) == 1


async def test_without_a_message_id_every_submission_is_a_new_request() -> None:
    intake, publisher, deliveries = _intake()
    draft = DRAFT.model_copy(update={"channel_message_id": None})
    first, second = await intake.submit(draft), await intake.submit(draft)
    assert first.reference != second.reference and len(publisher.published) == 2
    assert deliveries.records == {}


async def test_a_delivery_id_other_than_the_message_id_decides_what_is_a_redelivery() -> None:
    intake, publisher, deliveries = _intake()
    first = await intake.submit(DRAFT, delivery_id="scoped-1")
    await intake.settle()
    again = await intake.submit(DRAFT, delivery_id="scoped-1")
    other = await intake.submit(DRAFT, delivery_id="scoped-2")
    assert again.duplicate and again.request_id == first.request_id
    assert not other.duplicate and len(publisher.published) == 2
    assert set(deliveries.records) == {"portal:scoped-1", "portal:scoped-2"}


async def test_a_follow_up_is_published_once_per_key() -> None:
    intake, publisher, _ = _intake()
    event = CitizenMessageReceived(
        request_id="r1",
        reference="2026-P000001",
        channel=Channel.EMAIL,
        text="Toujours rien",
        received_at=datetime.now(UTC),
    )
    envelope = Envelope(data=event, source="/relais/tests")
    assert await intake.record_once(key="email:m1", envelope=envelope)
    await intake.settle()
    assert not await intake.record_once(key="email:m1", envelope=envelope)
    assert len(publisher.of_type(CitizenMessageReceived)) == 1


async def test_replay_knows_only_recorded_deliveries() -> None:
    intake, _, _ = _intake()
    assert await intake.replay(channel=Channel.PORTAL, channel_message_id="key-1") is None
    first = await intake.submit(DRAFT)
    replayed = await intake.replay(channel=Channel.PORTAL, channel_message_id="key-1")
    assert replayed is not None and replayed.request_id == first.request_id


def test_token_check_refuses_wrong_or_missing_tokens() -> None:
    assert token_matches("abc", hash_token("abc"))
    assert not token_matches("abd", hash_token("abc"))
    assert not token_matches(None, hash_token("abc"))
    assert not token_matches("abc", None)
