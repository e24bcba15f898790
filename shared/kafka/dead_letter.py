"""Dead-letter records: the original record plus why and where it failed."""

from datetime import UTC, datetime

from shared.envelope import KafkaRecord
from shared.redact import redact_text


def dead_letter_headers(
    record: KafkaRecord, *, error: BaseException, group: str, attempts: int
) -> list[tuple[str, bytes]]:
    extra = {
        "dlq_error": redact_text(f"{type(error).__name__}: {error}")[:4000],
        "dlq_error_type": type(error).__name__,
        "dlq_original_topic": record.topic,
        "dlq_original_partition": str(record.partition),
        "dlq_original_offset": str(record.offset),
        "dlq_group": group,
        "dlq_attempts": str(attempts),
        "dlq_failed_at": datetime.now(UTC).isoformat(),
    }
    original = [(k, v) for k, v in (record.headers or ()) if not k.startswith("dlq_")]
    return original + [(k, v.encode()) for k, v in extra.items()]


def dead_letter_info(
    headers: list[tuple[str, bytes]] | tuple[tuple[str, bytes], ...],
) -> dict[str, str]:
    return {k: v.decode("utf-8", "replace") for k, v in headers if k.startswith("dlq_")}
