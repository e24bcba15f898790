"""How long a consumer waits between attempts at a failing record."""

from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    """Attempts at a non-transient failure before the record goes to the dead letters."""
    base_delay_s: float = 0.1
    max_delay_s: float = 30.0

    def delay(self, attempt: int) -> float:
        return min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1))
