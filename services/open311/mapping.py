"""From the town's catalogue and our request statuses to GeoReport v2 fields (pure)."""

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from shared.catalogue import Catalogue, Category
from shared.events import RequestStatus

CLOSED = frozenset({RequestStatus.RESOLVED, RequestStatus.CLOSED, RequestStatus.CANCELLED})
OPEN = frozenset(RequestStatus) - CLOSED
_RULE = re.compile(r"^(?:category|keyword):(?P<code>[A-Za-z0-9_-]+)$")


def open311_status(status: str | None) -> str:
    return "closed" if status in CLOSED else "open"


def statuses_for(open311_statuses: set[str]) -> list[str]:
    """Our statuses behind the spec's `open` / `closed`."""
    wanted: set[str] = set()
    if "open" in open311_statuses:
        wanted |= {s.value for s in OPEN}
    if "closed" in open311_statuses:
        wanted |= {s.value for s in CLOSED}
    return sorted(wanted)


def iso(moment: datetime | None, timezone: str) -> str | None:
    """ISO 8601 with the town's UTC offset, to the second."""
    if moment is None:
        return None
    return moment.astimezone(ZoneInfo(timezone)).isoformat(timespec="seconds")


def public_categories(catalogue: Catalogue, private: frozenset[str]) -> list[Category]:
    return [c for code, c in catalogue.categories.items() if code not in private]


def service_item(category: Category, catalogue: Catalogue) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.label,
        "description": f"{category.label} — traité par le service "
        f"{catalogue.departments[category.department]} sous {category.deadline_days} "
        "jours ouvrés.",
        "metadata": False,
        "type": "realtime",
        "keywords": ", ".join(category.keywords),
        "group": catalogue.departments[category.department],
    }


def service_definition(category: Category) -> dict[str, Any]:
    return {"service_code": category.code, "attributes": []}


def submission_notice(*, reference: str, category: Category, catalogue: Catalogue) -> str:
    department = catalogue.departments[category.department]
    return (
        f"Votre demande {reference} est enregistrée. Elle est confiée au service {department} "
        f"(délai indicatif : {category.deadline_days} jours ouvrés)."
    )


def category_from_rule(rule: str, catalogue: Catalogue) -> str | None:
    """The category routing chose, from its rule (`category:x`, `keyword:x`, `fallback`)."""
    if rule == "fallback":
        return catalogue.fallback_category
    match = _RULE.match(rule)
    if match and match["code"] in catalogue.categories:
        return match["code"]
    return None


def _notice(doc: dict[str, Any], timezone: str) -> str | None:
    label = doc.get("department_label")
    if not label:
        return "Demande reçue, en attente d'affectation à un service."
    due = doc.get("due_at")
    if due is None or doc.get("status") in CLOSED:
        return f"Demande confiée au service {label}."
    day = due.astimezone(ZoneInfo(timezone)).strftime("%d/%m/%Y")
    return f"Demande confiée au service {label}, réponse prévue au plus tard le {day}."


def request_item(doc: dict[str, Any], *, catalogue: Catalogue, timezone: str) -> dict[str, Any]:
    """One request as GeoReport v2 shows it: public fields only, never the citizen."""
    category = catalogue.category(doc.get("service_code"))
    return {
        "service_request_id": doc["reference"],
        "status": open311_status(doc.get("status")),
        "status_notes": doc.get("status_notes"),
        "service_name": category.label if category else None,
        "service_code": doc.get("service_code"),
        "description": doc.get("description"),
        "agency_responsible": doc.get("department_label"),
        "service_notice": _notice(doc, timezone),
        "requested_datetime": iso(doc.get("requested_at"), timezone),
        "updated_datetime": iso(doc.get("updated_at") or doc.get("requested_at"), timezone),
        "expected_datetime": iso(doc.get("due_at"), timezone),
        "address": doc.get("address"),
        "address_id": doc.get("address_id"),
        "zipcode": None,
        "lat": doc.get("lat"),
        "long": doc.get("long"),
        "media_url": doc.get("media_url"),
    }
