"""In-memory stand-ins for unit tests of orchestration; integration tests use the real ones."""

import copy
from collections.abc import Iterator
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
    """The few collection calls ledgers, outboxes and contact books make: lookups by _id or by
    equality, `$in`, `$lte`; `$set` updates; sorted finds."""

    def __init__(self) -> None:
        self.docs: dict[Any, dict[str, Any]] = {}

    async def find_one(self, selector: dict[str, Any]) -> dict[str, Any] | None:
        doc = next(self._matching(selector), None)
        return copy.deepcopy(doc) if doc is not None else None

    async def update_one(
        self, selector: dict[str, Any], update: dict[str, Any], *, upsert: bool = False
    ) -> None:
        self._update(selector, update, upsert=upsert)

    async def find_one_and_update(
        self, selector: dict[str, Any], update: dict[str, Any], **_: Any
    ) -> dict[str, Any] | None:
        """The document after the update (ReturnDocument.AFTER), None when none matched."""
        doc = self._update(selector, update, upsert=False)
        return copy.deepcopy(doc) if doc is not None else None

    async def insert_one(self, doc: dict[str, Any]) -> Any:
        key = doc.get("_id", len(self.docs))
        self.docs[key] = {"_id": key, **copy.deepcopy(doc)}
        return type("InsertOneResult", (), {"inserted_id": key})()

    async def create_index(self, *_: Any, **__: Any) -> str:
        return "index"

    def find(
        self,
        selector: dict[str, Any],
        _projection: Any = None,
        *,
        sort: list[tuple[str, int]] | None = None,
        limit: int = 0,
    ) -> "InMemoryCursor":
        docs = [copy.deepcopy(d) for d in self._matching(selector)]
        for field_name, direction in reversed(sort or []):
            docs.sort(key=lambda d: d[field_name], reverse=direction < 0)
        return InMemoryCursor(docs[:limit] if limit else docs)

    def _update(
        self, selector: dict[str, Any], update: dict[str, Any], *, upsert: bool
    ) -> dict[str, Any] | None:
        if set(update) - {"$set"}:
            raise NotImplementedError(f"only $set is faked, not {sorted(update)}")
        doc = next(self._matching(selector), None)
        if doc is None:
            if not upsert or "_id" not in selector:
                return None
            doc = self.docs.setdefault(selector["_id"], {"_id": selector["_id"]})
        doc.update(copy.deepcopy(update["$set"]))
        return doc

    def _matching(self, selector: dict[str, Any]) -> Iterator[dict[str, Any]]:
        if set(selector) == {"_id"} and not isinstance(selector["_id"], dict):
            doc = self.docs.get(selector["_id"])
            yield from [doc] if doc is not None else []
            return
        yield from (d for d in self.docs.values() if _matches(d, selector))


def _matches(doc: dict[str, Any], selector: dict[str, Any]) -> bool:
    for name, condition in selector.items():
        value = doc.get(name)
        if not isinstance(condition, dict):
            if value != condition:
                return False
            continue
        for op, operand in condition.items():
            if op == "$in" and value not in operand:
                return False
            if op == "$lte" and (value is None or value > operand):
                return False
            if op not in ("$in", "$lte"):
                raise NotImplementedError(f"{op} is not faked")
    return True


@dataclass
class InMemoryCursor:
    docs: list[dict[str, Any]]

    async def to_list(self, _length: int | None = None) -> list[dict[str, Any]]:
        return self.docs


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
