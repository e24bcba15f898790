"""Which dead letters were already replayed: a watermark plus the offsets drained above it.

The state lives in the committed offset (the watermark) and its metadata (the offsets drained
above it, comma-separated) of the consumer group `relais-dlq-drain.<group>`.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from shared.ops.errors import OpsError

DRAIN_GROUP_PREFIX = "relais-dlq-drain."
MAX_METADATA_CHARS = 3500  # brokers refuse more than 4096 bytes (offset.metadata.max.bytes)


def drain_group(group: str) -> str:
    return f"{DRAIN_GROUP_PREFIX}{group}"


@dataclass(frozen=True)
class DrainState:
    watermark: int = 0
    above: frozenset[int] = frozenset()

    def is_drained(self, offset: int) -> bool:
        return offset < self.watermark or offset in self.above

    def with_drained(self, offsets: Iterable[int], *, log_start: int = 0) -> "DrainState":
        """Mark offsets drained; records deleted by retention (below log_start) count as drained."""
        drained = set(self.above) | set(offsets)
        watermark = max(self.watermark, log_start)
        while watermark in drained:
            watermark += 1
        return DrainState(watermark, frozenset(o for o in drained if o > watermark))

    def metadata(self) -> str:
        text = ",".join(str(o) for o in sorted(self.above))
        if len(text) > MAX_METADATA_CHARS:
            raise OpsError(
                "too many dead letters replayed one by one above the oldest pending one; "
                "replay them with --all"
            )
        return text

    @classmethod
    def parse(cls, *, offset: int | None, metadata: str | None) -> "DrainState":
        """From the committed offset and metadata (offset None or -1: nothing drained yet)."""
        if offset is None or offset < 0:
            return cls()
        above = frozenset(int(o) for o in (metadata or "").split(",") if o.strip())
        return cls(offset, frozenset(o for o in above if o >= offset))
