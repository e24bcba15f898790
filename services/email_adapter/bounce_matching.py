"""Which of our notifications a bounce reports, and the event that says it failed."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from services.email_adapter.bounces import BounceReport
from services.email_adapter.notifications import SentNotifications
from shared.directory import RequestDirectory
from shared.events import NotificationFailed

UNKNOWN_NOTIFICATION = "inconnue"


@dataclass(frozen=True)
class BouncedNotification:
    request_id: str
    reference: str
    notification_id: str


def notification_id_from(message_id: str) -> str:
    """notif-<id>@domain -> <id>; what the notification service's Message-IDs carry."""
    local = message_id.strip("<>").split("@")[0].removeprefix("notif-")
    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "", local)[:64]
    return cleaned or UNKNOWN_NOTIFICATION


async def bounced_notification(
    *, report: BounceReport, sent: SentNotifications, directory: RequestDirectory
) -> BouncedNotification | None:
    for message_id in report.message_ids:
        if record := await sent.by_message_id(message_id):
            return BouncedNotification(
                record["request_id"], record["reference"], record["notification_id"]
            )
        if request := await directory.by_message_id(message_id):
            return BouncedNotification(
                request["_id"], request["reference"], notification_id_from(message_id)
            )
    for reference in report.references:
        if request := await directory.by_reference(reference):
            latest = await sent.latest_for(reference)
            notification = latest["notification_id"] if latest else UNKNOWN_NOTIFICATION
            return BouncedNotification(request["_id"], reference, notification)
    return None


def failure_event(bounced: BouncedNotification, report: BounceReport) -> NotificationFailed:
    return NotificationFailed(
        request_id=bounced.request_id,
        reference=bounced.reference,
        notification_id=bounced.notification_id,
        channel="email",
        reason=report.reason,
        permanent=True,
        failed_at=datetime.now(UTC),
    )
