"""What the citizen is told, channel-neutral: a template name and its context (pure).

Each channel renders the same context with its own templates (templates/<channel>/...). The
context holds plain strings only: it is kept in the outbox so that a retry sends the same
words. Internal notes never reach here: only public events have a builder.
"""

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from services.notification.french import STATUS_LABELS, STATUS_SENTENCES, long_date
from services.notification.settings import NotificationSettings
from shared.events import (
    AgentReplied,
    CitizenAsked,
    RequestMerged,
    RequestRouted,
    RequestStatus,
    RequestStatusChanged,
)

ACKNOWLEDGEMENT = "acknowledgement"
STATUS_CHANGED = "status_changed"
AGENT_REPLY = "agent_reply"
CITIZEN_ASKED = "citizen_asked"
REQUEST_MERGED = "request_merged"


@dataclass(frozen=True)
class Content:
    template: str
    context: dict[str, str]


def status_link(settings: NotificationSettings, reference: str, request_id: str) -> str:
    """The link the citizen follows their request with."""
    return settings.status_url(reference)


def common(
    settings: NotificationSettings, *, name: str | None, reference: str, request_id: str
) -> dict[str, str]:
    return {
        "greeting": f"Bonjour {name}," if name else "Bonjour,",
        "reference": reference,
        "status_url": status_link(settings, reference, request_id),
        "signature": f"La mairie de {settings.town_name}",
        "town_name": settings.town_name,
    }


def acknowledgement(routed: RequestRouted, *, settings: NotificationSettings) -> Content:
    due = routed.due_at.astimezone(ZoneInfo(settings.timezone)).date()
    return Content(
        ACKNOWLEDGEMENT, {"department": routed.department.label, "due_date": long_date(due)}
    )


def status_update(changed: RequestStatusChanged, *, settings: NotificationSettings) -> Content:
    comment = (changed.comment or "").strip()
    waiting = changed.status is RequestStatus.WAITING_CITIZEN
    return Content(
        STATUS_CHANGED,
        {
            "status": changed.status.value,
            "status_label": STATUS_LABELS[changed.status],
            "status_sentence": STATUS_SENTENCES[changed.status],
            "comment": comment,
            "missing": comment if waiting else "",
        },
    )


def agent_reply(replied: AgentReplied, *, settings: NotificationSettings) -> Content:
    return Content(AGENT_REPLY, {"text": replied.text.strip()})


def citizen_asked(asked: CitizenAsked, *, settings: NotificationSettings) -> Content:
    return Content(CITIZEN_ASKED, {"text": asked.text.strip()})


def request_merged(merged: RequestMerged, *, settings: NotificationSettings) -> Content:
    return Content(REQUEST_MERGED, {"kept_reference": merged.kept_reference})
