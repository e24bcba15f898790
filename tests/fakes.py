"""In-memory stand-ins for unit tests of orchestration; integration tests use the real ones."""

from dataclasses import dataclass, field

from shared.envelope import Envelope
from shared.errors import BrokerUnavailable


@dataclass(frozen=True)
class RawRecord:
    topic: str
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]


@dataclass
class InMemoryPublisher:
    """Keeps what would have been published; `down = True` makes every publish fail like Kafka."""

    topic: str = "relais.requests.v1"
    published: list[Envelope] = field(default_factory=list)
    raw: list[RawRecord] = field(default_factory=list)
    down: bool = False

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def publish(self, envelope: Envelope, *, topic: str | None = None) -> int:
        self._check()
        self.published.append(envelope)
        return len(self.published) - 1

    async def send_raw(
        self,
        *,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        headers: list[tuple[str, bytes]],
    ) -> None:
        self._check()
        self.raw.append(RawRecord(topic, key, value, headers))

    def of_type(self, event_type: type) -> list[Envelope]:
        return [envelope for envelope in self.published if isinstance(envelope.data, event_type)]

    def _check(self) -> None:
        if self.down:
            raise BrokerUnavailable("in-memory broker is down")
