"""A tracking service trusting the test OpenID Connect provider, fed through the real broker."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from services.tracking.app import build_app
from services.tracking.settings import TrackingSettings
from shared.envelope import Envelope
from shared.events import Department, Event, RequestRouted, RequestSubmitted
from shared.kafka.producer import EventPublisher
from shared.kafka.topics import REQUESTS
from tests.conftest import KAFKA, dropped, namespaced
from tests.factories import submitted
from tests.oidc import Provider
from tests.support import eventually, serve_app

ADMIN = {"sub": "root-admin", "department": "ressources_humaines", "roles": ["admin"]}


@dataclass
class Service:
    http: httpx.AsyncClient
    publisher: EventPublisher
    provider: Provider
    database: str

    def auth(self, sub: str, **claims: Any) -> dict[str, str]:
        return self.provider.headers(sub, **claims)

    @property
    def admin(self) -> dict[str, str]:
        return self.auth(ADMIN["sub"], department=ADMIN["department"], roles=ADMIN["roles"])

    async def publish(self, data: Event) -> Envelope:
        envelope = Envelope(data=data, source="/relais/tests")
        await self.publisher.publish(envelope)
        return envelope

    async def record(self, request_id: str, until: Any = bool) -> dict[str, Any]:
        """The admin's view of a request, polled until `until(record)` holds."""
        seen: dict[str, Any] = {}
        headers = self.admin

        async def ready() -> bool:
            nonlocal seen
            response = await self.http.get(f"/v1/requests/{request_id}", headers=headers)
            seen = response.json() if response.status_code == 200 else {}
            return bool(seen) and bool(until(seen))

        await eventually(ready, timeout=30)
        return seen

    async def routed(
        self, department: str | None, *, due_at: datetime | None = None, **overrides: Any
    ) -> RequestSubmitted:
        """A submitted request, routed to `department` (None: left unrouted)."""
        moment = overrides.pop("submitted_at", datetime.now(UTC))
        request = submitted(submitted_at=moment.replace(microsecond=0), **overrides)
        await self.publish(request)
        if department is None:
            await self.record(request.request_id)
            return request
        await self.publish(
            RequestRouted(
                request_id=request.request_id,
                reference=request.reference,
                department=Department(code=department, label=department.replace("_", " ")),
                category="voirie",
                due_at=due_at or request.submitted_at + timedelta(days=14),
                rule="category:voirie",
                explanation="Catégorie « Voirie ».",
                routed_at=request.submitted_at + timedelta(seconds=1),
            )
        )
        await self.record(request.request_id, lambda r: r["status"] == "routed")
        return request


@asynccontextmanager
async def tracking_service(
    provider: Provider, prefix: str, **overrides: Any
) -> AsyncIterator[Service]:
    settings = TrackingSettings(**namespaced(prefix, "tracking"), **provider.settings(**overrides))
    database = settings.database_name
    publisher = EventPublisher(bootstrap_servers=KAFKA, topic=prefix + REQUESTS)
    await publisher.start()
    try:
        async with (
            dropped(database),
            serve_app(build_app(settings)) as base_url,
            httpx.AsyncClient(base_url=base_url, timeout=30) as http,
        ):
            yield Service(http=http, publisher=publisher, provider=provider, database=database)
    finally:
        await publisher.stop()
