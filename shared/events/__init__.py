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
from shared.events.workspace import (
    AgentAction,
    AgentRef,
    AgentReplied,
    CitizenAsked,
    ConsultationRequested,
    InternalNoteAdded,
    RequestAssigned,
    RequestMerged,
    RequestUnassigned,
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
        RequestAssigned,
        RequestUnassigned,
        InternalNoteAdded,
        AgentReplied,
        CitizenAsked,
        ConsultationRequested,
        RequestMerged,
    )
}

__all__ = [
    "EVENT_MODELS",
    "AgentAction",
    "AgentRef",
    "AgentReplied",
    "Attachment",
    "Channel",
    "Citizen",
    "CitizenAsked",
    "CitizenMessageReceived",
    "ConsultationRequested",
    "ContactPreference",
    "Department",
    "Event",
    "FormData",
    "InternalNoteAdded",
    "Location",
    "NotificationFailed",
    "NotificationSent",
    "RequestAssigned",
    "RequestMerged",
    "RequestRouted",
    "RequestStatus",
    "RequestStatusChanged",
    "RequestSubmitted",
    "RequestTransferred",
    "RequestUnassigned",
    "RoutingSuggestion",
]
