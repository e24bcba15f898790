"""Whether and where to tell the citizen (pure).

- The citizen's preferred channel decides; its contact point is built from the contact
  (`extra` carries what the channel needs: the thread to answer in, the chatbot
  conversation, the last Messenger message).
- A citizen who asked not to be contacted (`none`) is respected: nothing is sent nor
  published, the skip is logged and counted.
- The preferred channel but no address for it: Undeliverable(permanent=True), published as
  NotificationFailed so agents see the citizen was not told.
- Status changes marked internal are never told; `received` and `routed` are covered by the
  acknowledgement.
"""

from dataclasses import dataclass
from typing import Any

from services.notification.channels.base import ContactPoint
from services.notification.contacts import Contact
from shared.events import ContactPreference, RequestStatus, RequestStatusChanged

EMAIL = "email"
ACKNOWLEDGED_STATUSES = frozenset({RequestStatus.RECEIVED, RequestStatus.ROUTED})
MISSING = {
    ContactPreference.EMAIL: "aucune adresse électronique connue",
    ContactPreference.SMS: "aucun numéro de téléphone connu",
    ContactPreference.FACEBOOK: "aucun identifiant Messenger connu",
    ContactPreference.CHATBOT: "aucune conversation de l'assistant en ligne connue",
    ContactPreference.POSTAL: "aucune adresse postale connue",
}


@dataclass(frozen=True)
class Undeliverable:
    channel: str
    reason: str
    permanent: bool


@dataclass(frozen=True)
class Skip:
    reason: str


Decision = ContactPoint | Undeliverable | Skip


def _address(contact: Contact, preferred: ContactPreference) -> str | None:
    return {
        ContactPreference.EMAIL: contact.email,
        ContactPreference.SMS: contact.phone,
        ContactPreference.FACEBOOK: contact.facebook_psid,
        ContactPreference.CHATBOT: contact.conversation_id,
        ContactPreference.POSTAL: contact.postal_address,
    }.get(preferred)


def _extra(contact: Contact, preferred: ContactPreference) -> dict[str, Any]:
    if preferred is ContactPreference.EMAIL and contact.acknowledgement_id:
        return {"in_reply_to": contact.acknowledgement_id}
    if preferred is ContactPreference.FACEBOOK and contact.last_inbound_at:
        return {"last_inbound_at": contact.last_inbound_at.isoformat()}
    if preferred is ContactPreference.CHATBOT and contact.conversation_id:
        return {"conversation_id": contact.conversation_id}
    return {}


def choose_channel(contact: Contact) -> Decision:
    preferred = contact.preferred_contact
    if preferred is ContactPreference.NONE:
        return Skip("citizen asked not to be contacted")
    address = _address(contact, preferred)
    if not address:
        return Undeliverable(channel=preferred.value, reason=MISSING[preferred], permanent=True)
    return ContactPoint(
        channel=preferred.value,
        address=address,
        name=contact.name,
        extra=_extra(contact, preferred),
    )


def tells_citizen(changed: RequestStatusChanged) -> bool:
    return not changed.internal and changed.status not in ACKNOWLEDGED_STATUSES
