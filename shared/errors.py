"""Exceptions that decide how the consumer runner treats a failure."""

from pymongo.errors import ConnectionFailure


class BrokerUnavailable(RuntimeError):
    """Kafka did not acknowledge in time: the caller must answer "try again"."""


class TransientError(RuntimeError):
    """Worth retrying without limit (a dependency is down), never dead-lettered."""


TRANSIENT: tuple[type[BaseException], ...] = (
    TransientError,
    BrokerUnavailable,
    ConnectionFailure,
    ConnectionError,
    TimeoutError,
)


def is_transient(exc: BaseException) -> bool:
    return isinstance(exc, TRANSIENT)
