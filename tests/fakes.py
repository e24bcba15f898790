"""In-memory stand-ins for unit tests of orchestration; integration tests use the real ones."""

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

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


class InMemoryCollection:
    """The few collection calls keyed by _id that ledgers and contact books make."""

    def __init__(self) -> None:
        self.docs: dict[Any, dict[str, Any]] = {}

    async def find_one(self, selector: dict[str, Any]) -> dict[str, Any] | None:
        doc = self.docs.get(self._key(selector))
        return copy.deepcopy(doc) if doc is not None else None

    async def update_one(
        self, selector: dict[str, Any], update: dict[str, Any], *, upsert: bool = False
    ) -> None:
        key = self._key(selector)
        if key not in self.docs and not upsert:
            return
        if set(update) - {"$set"}:
            raise NotImplementedError(f"only $set is faked, not {sorted(update)}")
        self.docs.setdefault(key, {"_id": key}).update(copy.deepcopy(update["$set"]))

    @staticmethod
    def _key(selector: dict[str, Any]) -> Any:
        if set(selector) != {"_id"}:
            raise NotImplementedError(f"only _id lookups are faked, not {sorted(selector)}")
        return selector["_id"]


class InMemoryDatabase(dict[str, InMemoryCollection]):
    """A database of InMemoryCollection, made on first use like MongoDB's."""

    def __missing__(self, name: str) -> InMemoryCollection:
        self[name] = InMemoryCollection()
        return self[name]


@dataclass
class InMemoryDeliveries:
    """Intake's delivery records in a dict, with the unique-key semantics of the store."""

    records: dict[str, dict[str, Any]] = field(default_factory=dict)

    async def find(self, key: str) -> dict[str, Any] | None:
        record = self.records.get(key)
        return dict(record) if record is not None else None

    async def record(self, record: dict[str, Any]) -> bool:
        if record["_id"] in self.records:
            return False
        self.records[record["_id"]] = dict(record)
        return True

    async def mark_published(self, key: str) -> None:
        self.records[key]["state"] = "published"


@dataclass
class SequentialReferences:
    """References of one letter numbered from 1, as a single allocator would."""

    letter: str = "P"
    issued: int = 0

    async def allocate(self, *, now: datetime) -> str:
        self.issued += 1
        return f"{now.year}-{self.letter}{self.issued:06d}"
