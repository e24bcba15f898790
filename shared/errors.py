"""Exceptions that decide how the consumer runner treats a failure."""

from pymongo.errors import ConnectionFailure

from shared.kafka.producer import BrokerUnavailable


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
