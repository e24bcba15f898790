"""The event contracts: the single source of contracts/ (JSON Schemas, AsyncAPI)."""

from shared.events.common import (
    Attachment,
    Channel,
    Citizen,
    ContactPreference,
    Department,
    FormData,
    Location,
    RequestStatus,
    RoutingSuggestion,
)
from shared.events.request import (
    CitizenMessageReceived,
    Event,
    NotificationFailed,
    NotificationSent,
    RequestRouted,
    RequestStatusChanged,
    RequestSubmitted,
    RequestTransferred,
)

EVENT_MODELS: dict[str, type[Event]] = {
    model.event_type: model
    for model in (
        RequestSubmitted,
        CitizenMessageReceived,
        RequestRouted,
        RequestStatusChanged,
        RequestTransferred,
        NotificationSent,
        NotificationFailed,
    )
}

__all__ = [
    "EVENT_MODELS",
    "Attachment",
    "Channel",
    "Citizen",
    "CitizenMessageReceived",
    "ContactPreference",
    "Department",
    "Event",
    "FormData",
    "Location",
    "NotificationFailed",
    "NotificationSent",
    "RequestRouted",
    "RequestStatus",
    "RequestStatusChanged",
    "RequestSubmitted",
    "RequestTransferred",
    "RoutingSuggestion",
]
