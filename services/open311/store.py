"""The adapter's own read model of the town's requests, fed from the log, public fields only:
the shared request directory (shared/directory.py) with Open311's fields and queries.

Requests of every channel are kept, but only what GeoReport v2 may show anyone: reference,
status, category, department, dates. The place, description, media URL and agents' public
notes are kept only for requests submitted through Open311, whose submitters publish them
knowingly (a letter or an email to the town hall is not a public report). Nothing about
the citizen (name, email, phone, device, account) is ever stored here.
"""

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from services.open311.mapping import category_from_rule
from services.open311.queries import MAX_RESULTS, RequestQuery
from shared.catalogue import Catalogue
from shared.directory import RequestDirectory
from shared.envelope import Envelope
from shared.events import (
    Channel,
    RequestRouted,
    RequestStatusChanged,
    RequestSubmitted,
)
from shared.mongo import Document

REQUESTS = "requests"


def submitted_fields(event: RequestSubmitted, catalogue: Catalogue) -> Document:
    """What the read model keeps of a new request."""
    fields: Document = {
        "reference": event.reference,
        "channel": str(event.channel),
        "service_code": event.category if catalogue.category(event.category) else None,
        "requested_at": event.submitted_at,
    }
    if event.channel is Channel.OPEN311:
        location = event.location
        form = event.form.fields if event.form and event.form.form_type == "open311" else {}
        fields |= {
            "description": event.description,
            "address": location.address if location else None,
            "address_id": form.get("address_id"),
            "lat": location.lat if location else None,
            "long": location.lon if location else None,
            "media_url": form.get("media_url"),
        }
    return fields


class RequestBook(RequestDirectory):
    """The shared request directory, keeping only what GeoReport v2 may show anyone."""

    upsert_late_events = False  # a request whose submission is unknown here stays unknown
    threads_notifications = False  # Open311 threads no follow-ups

    def __init__(self, *, db: AsyncDatabase[Document], catalogue: Catalogue) -> None:
        super().__init__(db=db, collection=REQUESTS)
        self._catalogue = catalogue

    async def ensure_indexes(self) -> None:
        await self._requests.create_index("reference", unique=True)
        await self._requests.create_index([("requested_at", -1)])

    def submitted_fields(self, event: RequestSubmitted) -> Document:
        return submitted_fields(event, self._catalogue)

    def routed_fields(self, event: RequestRouted) -> Document:
        return {
            "department_code": event.department.code,
            "department_label": event.department.label,
            "due_at": event.due_at,
            "updated_at": event.routed_at,
        }

    async def _on_routed(self, envelope: Envelope[RequestRouted]) -> None:
        # Events of one request share a partition: its RequestSubmitted came first.
        await super()._on_routed(envelope)
        event = envelope.data
        if code := category_from_rule(event.rule, self._catalogue):
            await self._requests.update_one(
                {"_id": event.request_id, "service_code": None}, {"$set": {"service_code": code}}
            )

    async def _on_status(self, envelope: Envelope[RequestStatusChanged]) -> None:
        event = envelope.data
        note = None if event.internal else event.comment
        # The note first: whoever sees the new status sees its note with it.
        await self._requests.update_one(
            {"_id": event.request_id, "channel": Channel.OPEN311.value},
            {"$set": {"status_notes": note}},
        )
        await super()._on_status(envelope)

    async def search(self, *, query: RequestQuery, services: list[str]) -> list[Document]:
        """Requests of public services matching `query`, newest first, at most 1000."""
        selector: dict[str, Any] = {"service_code": {"$in": services}}
        if query.references:
            selector["reference"] = {"$in": list(query.references)}
        else:
            selector["requested_at"] = {"$gte": query.start, "$lte": query.end}
            if query.service_codes:
                wanted = [c for c in query.service_codes if c in services]
                selector["service_code"] = {"$in": wanted}
            if query.statuses:
                selector["status"] = {"$in": list(query.statuses)}
        cursor = self._requests.find(selector).sort("requested_at", -1).limit(MAX_RESULTS)
        return [doc async for doc in cursor]

    async def public(self, *, reference: str, services: list[str]) -> Document | None:
        return await self._requests.find_one(
            {"reference": reference, "service_code": {"$in": services}}
        )

    async def submitted_here(self, *, request_id: str) -> Document | None:
        """A request this adapter submitted, by its internal id (our Open311 token)."""
        return await self._requests.find_one({"_id": request_id, "channel": Channel.OPEN311.value})
