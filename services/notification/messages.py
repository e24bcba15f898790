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


def tracking_code(
    settings: NotificationSettings, request_id: str, *, token_hash: str | None = None
) -> str | None:
    """The request's tracking code, recomputed (never stored): under the current key, or, given
    the hash the request was filed with, under whichever of our keys made it (None: a random
    code of before derived codes, which only the citizen knows)."""
    keys = settings.tracking_keys()
    return keys.code(request_id) if token_hash is None else keys.code_for(request_id, token_hash)


def status_link(
    settings: NotificationSettings,
    reference: str,
    request_id: str,
    *,
    token_hash: str | None = None,
) -> str:
    """The citizens' site status page of the request, with its code so it opens directly."""
    code = tracking_code(settings, request_id, token_hash=token_hash)
    return settings.status_url(reference, code)


def link_context(
    settings: NotificationSettings,
    *,
    template: str,
    reference: str,
    request_id: str,
    token_hash: str | None,
) -> dict[str, str]:
    """What carries the tracking code, added when a notice is sent and never kept in the
    outbox: the status link (with the code when we can recompute it) and, in the
    acknowledgement, the code itself."""
    code = tracking_code(settings, request_id, token_hash=token_hash)
    return {
        "status_url": settings.status_url(reference, code),
        "direct_link": "oui" if code else "",
        "tracking_code": code or "" if template == ACKNOWLEDGEMENT else "",
    }


def common(settings: NotificationSettings, *, name: str | None, reference: str) -> dict[str, str]:
    return {
        "greeting": f"Bonjour {name}," if name else "Bonjour,",
        "reference": reference,
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
