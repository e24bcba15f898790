"""What Messenger and the chatbot share: how a reply leaves, to the platform or the sink."""

from typing import Any, Protocol

from services.notification.channels.base import ContactPoint, Notice, Sent
from services.notification.channels.sink import Sink


class Transport(Protocol):
    """The platform's API, or the development sink in its place."""

    async def deliver(
        self, payload: dict[str, Any], *, notice: Notice, to: ContactPoint
    ) -> Sent: ...


class SinkTransport:
    """Keeps the exact payload the platform would have received (development, tests)."""

    def __init__(self, sink: Sink) -> None:
        self._sink = sink

    async def deliver(self, payload: dict[str, Any], *, notice: Notice, to: ContactPoint) -> Sent:
        kept = await self._sink.keep(key=notice.key, address=to.address, payload=payload)
        return Sent(provider_id=f"sink-{kept}", detail="development sink")
