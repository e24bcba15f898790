"""Builders of valid contract objects for tests."""

import uuid
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from shared.envelope import Envelope
from shared.events import (
    Channel,
    Citizen,
    Department,
    RequestRouted,
    RequestStatus,
    RequestStatusChanged,
    RequestSubmitted,
)
from shared.intake import hash_token

_sequence = count(1)
TOKEN = "jeton-de-suivi-de-test"


def submitted(**overrides: Any) -> RequestSubmitted:
    fields: dict[str, Any] = {
        "request_id": uuid.uuid4().hex,
        "reference": f"2026-T{next(_sequence):06d}",
        "channel": Channel.PORTAL,
        "category": "voirie",
        "subject": "Nid-de-poule rue des Lilas",
        "description": "Un nid-de-poule dangereux devant le numéro 12.",
        "citizen": Citizen(name="Camille Martin", email="camille.martin@example.org"),
        "tracking_token_hash": hash_token(TOKEN),
        "submitted_at": datetime.now(UTC),
    }
    fields.update(overrides)
    return RequestSubmitted(**fields)


def envelope(data: Any = None, **kwargs: Any) -> Envelope:
    return Envelope(data=data or submitted(), source="/relais/tests", **kwargs)


def routed_for(request: RequestSubmitted, **overrides: Any) -> RequestRouted:
    fields: dict[str, Any] = {
        "request_id": request.request_id,
        "reference": request.reference,
        "department": Department(code="services_techniques", label="Services techniques"),
        "category": "voirie",
        "due_at": request.submitted_at + timedelta(days=14),
        "rule": "category:voirie",
        "explanation": "Catégorie « Voirie » confiée au service Services techniques.",
        "routed_at": request.submitted_at + timedelta(minutes=1),
    }
    return RequestRouted(**(fields | overrides))


def status_for(
    request: RequestSubmitted, status: RequestStatus, **overrides: Any
) -> RequestStatusChanged:
    fields: dict[str, Any] = {
        "request_id": request.request_id,
        "reference": request.reference,
        "status": status,
        "actor": "julie-moreau",
        "changed_at": datetime.now(UTC),
    }
    return RequestStatusChanged(**(fields | overrides))
