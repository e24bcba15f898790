"""structlog JSON logging with correlation ids and personal-data redaction."""

import logging
import sys

import structlog

from shared.redact import redact_codes, redact_event


class CodesRedacted(logging.Filter):
    """Standard-library records (uvicorn's access log if turned on, httpx's requests): no
    tracking code or token of an address reaches the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_codes(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def configure_logging(*, service: str, level: str = "INFO") -> None:
    logging.basicConfig(format="%(message)s", stream=sys.stderr, level=level.upper())
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, CodesRedacted) for f in handler.filters):
            handler.addFilter(CodesRedacted())
    for noisy in ("aiokafka", "pymongo", "uvicorn.access", "mail.log"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            redact_event,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)


def bind_correlation(*, correlation_id: str, **extra: str) -> None:
    structlog.contextvars.bind_contextvars(correlation_id=correlation_id, **extra)


def clear_correlation() -> None:
    structlog.contextvars.unbind_contextvars("correlation_id", "event_id", "request_id")
