"""Sliding-window rate limiting per client, kept in this process's memory (pure logic).

Each client keeps the times of its accepted hits within the last window; a hit is refused
while the window already holds `limit` of them, until the oldest one leaves the window.
"""

import math
import re
from collections import deque
from dataclasses import dataclass

UNITS = {
    **dict.fromkeys(("s", "sec", "second"), 1),
    **dict.fromkeys(("m", "min", "minute"), 60),
    **dict.fromkeys(("h", "hr", "hour"), 3600),
    **dict.fromkeys(("d", "day"), 86400),
}
_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([a-z]+)\s*$")


@dataclass(frozen=True)
class RateLimit:
    limit: int
    window_s: float

    @classmethod
    def parse(cls, spec: str) -> "RateLimit":
        """`5/minute`, `20/hour`, `3/10s`, `100/day`; ValueError otherwise."""
        match = _SPEC.match(spec.lower())
        unit = _unit(match.group(3)) if match else None
        if match is None or unit is None:
            raise ValueError(f"invalid rate limit {spec!r}: expected N/second|minute|hour|day")
        limit, window_s = int(match.group(1)), int(match.group(2) or 1) * UNITS[unit]
        if limit < 1 or window_s < 1:
            raise ValueError(f"invalid rate limit {spec!r}: count and period must be positive")
        return cls(limit=limit, window_s=window_s)


def _unit(word: str) -> str | None:
    if word in UNITS:
        return word
    singular = word.removesuffix("s")
    return singular if len(singular) > 1 and singular in UNITS else None


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after_s: int = 0


class SlidingWindowLimiter:
    def __init__(self, rate: RateLimit, *, sweep_every: int = 1000) -> None:
        self.rate = rate
        self._hits: dict[str, deque[float]] = {}
        self._sweep_every = sweep_every
        self._since_sweep = 0

    def hit(self, key: str, *, now: float) -> Verdict:
        """Count one hit of `key` at `now` (seconds, monotonic) if the window has room."""
        self._maybe_sweep(now)
        hits = self._hits.setdefault(key, deque())
        self._expire(hits, now)
        if len(hits) >= self.rate.limit:
            wait = hits[0] + self.rate.window_s - now
            return Verdict(allowed=False, retry_after_s=max(1, math.ceil(wait)))
        hits.append(now)
        return Verdict(allowed=True)

    @property
    def tracked_clients(self) -> int:
        return len(self._hits)

    def _expire(self, hits: deque[float], now: float) -> None:
        while hits and hits[0] <= now - self.rate.window_s:
            hits.popleft()

    def _maybe_sweep(self, now: float) -> None:
        """Forget clients whose hits all left the window, so memory follows active clients."""
        self._since_sweep += 1
        if self._since_sweep < self._sweep_every:
            return
        self._since_sweep = 0
        for key in list(self._hits):
            self._expire(self._hits[key], now)
            if not self._hits[key]:
                del self._hits[key]
