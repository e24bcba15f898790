"""What a bounce says: the notification that came back and why; matched to our requests."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from services.email_adapter.bounce_matching import (
    bounced_notification,
    failure_event,
    notification_id_from,
)
from services.email_adapter.bounces import UNKNOWN_REASON, BounceReport, read_bounce
from services.email_adapter.parsing import read_message
from tests.support import SISIMAI, needs_sisimai

CORPUS = Path(__file__).parents[1] / "data" / "emails"


def _report(name: str, folder: Path = CORPUS) -> BounceReport:
    return read_bounce(read_message((folder / name).read_bytes()))


@pytest.mark.parametrize(
    ("name", "message_id", "reference", "status", "diagnostic"),
    [
        ("bounce-postfix-dsn.eml", "notif-0a1b2c3d@ville.example", "2026-P000417", "5.1.1",
         "smtp; 550 5.1.1 <camille.martin@example.org>: Recipient address rejected"),
        ("bounce-exchange-ndr.eml", "notif-5e6f7a8b@ville.example", "2025-E000042", "5.1.10",
         "RESOLVER.ADR.RecipientNotFound"),
        ("bounce-qmail-inline-reference.eml", "notif-not-in-the-directory@ville.example",
         "2026-F000123", "5.2.1", "550 5.2.1 Mailbox disabled"),
        ("bounce-gmail-in-reply-to.eml", "notif-9c8d7e6f@ville.example", None, "5.1.1",
         "550 5.1.1 The email account that you tried to reach does not exist."),
    ],
)  # fmt: skip
def test_reports_name_our_message_and_the_reason(
    name: str, message_id: str, reference: str | None, status: str, diagnostic: str
) -> None:
    report = _report(name)
    assert report.message_ids[0] == message_id
    assert report.references == ([reference] if reference else [])
    assert report.status == status and diagnostic in report.diagnostic
    assert not report.delayed
    assert report.reason.startswith(f"Courriel non distribué : {status}")


def test_a_delay_warning_is_not_a_failure() -> None:
    report = _report("bounce-delayed.eml")
    assert report.delayed and report.status == "4.4.1"


@pytest.mark.parametrize(
    ("name", "message_id", "status"),
    [
        ("lhost-qmail-01.eml", "000000000.9999999999999.JavaMail.postmaster@mailhub", "5.5.0"),
        ("rhost-franceptt-01.eml", "20FA40A8-4F88-4453-953D-B7038769D040@example.co.jp", "5.1.1"),
        ("lhost-gmail-01.eml", "D992C2C3-F175-4C4D-97E2-53A90E4E5BF5@gmail.com", "5.1.1"),
        ("lhost-dragonfly-01.eml", "66681288.e06d1.3824794@df.example.jp", "5.7.26"),
    ],
)
@needs_sisimai
def test_real_bounces_give_back_the_original_message_id(
    name: str, message_id: str, status: str
) -> None:
    report = _report(name, SISIMAI / "bsd")
    assert message_id in report.message_ids and report.status == status


def test_a_report_without_diagnostic_still_says_something() -> None:
    assert BounceReport().reason == UNKNOWN_REASON
    assert len(BounceReport(status="5.0.0", diagnostic="x" * 5000).reason) == 1000


def test_notification_ids_come_from_our_message_ids() -> None:
    assert notification_id_from("<notif-0a1b2c3d@ville.example>") == "0a1b2c3d"
    assert notification_id_from("autre@ville.example") == "autre"
    assert notification_id_from("<@ville.example>") == "inconnue"


class FakeSent:
    def __init__(self, records: dict[str, dict[str, Any]]) -> None:
        self.records = records

    async def by_message_id(self, message_id: str) -> dict[str, Any] | None:
        return self.records.get(message_id)

    async def latest_for(self, reference: str) -> dict[str, Any] | None:
        found = [r for r in self.records.values() if r["reference"] == reference]
        return found[-1] if found else None


class FakeDirectory:
    def __init__(self, requests: list[dict[str, Any]], links: dict[str, str]) -> None:
        self.requests = {r["_id"]: r for r in requests}
        self.links = links

    async def by_message_id(self, message_id: str) -> dict[str, Any] | None:
        request_id = self.links.get(message_id)
        return self.requests.get(request_id) if request_id else None

    async def by_reference(self, reference: str) -> dict[str, Any] | None:
        return next((r for r in self.requests.values() if r["reference"] == reference), None)


LILAS = {"_id": "r1", "reference": "2026-P000417"}
PARC = {"_id": "r3", "reference": "2026-F000123"}


async def _match(report: BounceReport, sent: FakeSent, directory: FakeDirectory) -> Any:
    return await bounced_notification(report=report, sent=sent, directory=directory)  # type: ignore[arg-type]


async def test_bounces_are_matched_by_message_id_then_by_reference() -> None:
    sent = FakeSent(
        {"notif-aa@ville.example": {"request_id": "r1", "reference": "2026-P000417",
                                    "notification_id": "aa"}}
    )  # fmt: skip
    directory = FakeDirectory([LILAS, PARC], {"notif-bb@ville.example": "r3"})
    by_log = await _match(
        BounceReport(message_ids=["x@y", "notif-aa@ville.example"]), sent, directory
    )
    assert (by_log.request_id, by_log.notification_id) == ("r1", "aa")
    by_directory = await _match(
        BounceReport(message_ids=["notif-bb@ville.example"]), sent, directory
    )
    assert (by_directory.request_id, by_directory.notification_id) == ("r3", "bb")
    by_reference = await _match(BounceReport(references=["2026-P000417"]), sent, directory)
    assert (by_reference.request_id, by_reference.notification_id) == ("r1", "aa")
    unknown_sent = await _match(BounceReport(references=["2026-F000123"]), sent, directory)
    assert (unknown_sent.request_id, unknown_sent.notification_id) == ("r3", "inconnue")
    assert (
        await _match(
            BounceReport(message_ids=["x@y"], references=["2026-X000001"]), sent, directory
        )
        is None
    )


async def test_the_failure_event_is_permanent_and_says_why() -> None:
    directory = FakeDirectory([LILAS], {"notif-aa@ville.example": "r1"})
    report = _report("bounce-postfix-dsn.eml")
    report = BounceReport(message_ids=["notif-aa@ville.example"], status=report.status,
                          diagnostic=report.diagnostic)  # fmt: skip
    bounced = await _match(report, FakeSent({}), directory)
    event = failure_event(bounced, report)
    assert (event.request_id, event.reference, event.channel) == ("r1", "2026-P000417", "email")
    assert event.permanent and "5.1.1" in event.reason
    assert event.failed_at <= datetime.now(UTC)
