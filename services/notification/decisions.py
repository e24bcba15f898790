"""Whether and how to tell the citizen (pure).

- Only email is sent for now. A citizen who prefers another channel (SMS, Facebook, post)
  gets no email: we publish NotificationFailed(permanent=False) naming that channel, so the
  request's timeline shows that they were not told and an agent can reach them; a later
  gateway can replay these. Nothing is dropped silently.
- A citizen who asked not to be contacted (`none`) is respected: nothing is sent nor
  published, the skip is logged and counted.
- Email preferred but no address known: NotificationFailed(permanent=True).
- Status changes marked internal are never told; `received` and `routed` are covered by the
  acknowledgement email.
"""

from dataclasses import dataclass

from services.notification.contacts import Contact
from services.notification.messages import Recipient
from shared.events import ContactPreference, RequestStatus, RequestStatusChanged

EMAIL = "email"
ACKNOWLEDGED_STATUSES = frozenset({RequestStatus.RECEIVED, RequestStatus.ROUTED})


@dataclass(frozen=True)
class ByEmail:
    recipient: Recipient


@dataclass(frozen=True)
class Undeliverable:
    channel: str
    reason: str
    permanent: bool


@dataclass(frozen=True)
class Skip:
    reason: str


Decision = ByEmail | Undeliverable | Skip


def choose_channel(contact: Contact) -> Decision:
    preferred = contact.preferred_contact
    if preferred is ContactPreference.NONE:
        return Skip("citizen asked not to be contacted")
    if preferred is not ContactPreference.EMAIL:
        return Undeliverable(
            channel=preferred.value,
            reason=f"channel {preferred.value} is not supported yet; only email is sent",
            permanent=False,
        )
    if not contact.email:
        return Undeliverable(channel=EMAIL, reason="no email address known", permanent=True)
    return ByEmail(Recipient(email=contact.email, name=contact.name))


def tells_citizen(changed: RequestStatusChanged) -> bool:
    return not changed.internal and changed.status not in ACKNOWLEDGED_STATUSES
