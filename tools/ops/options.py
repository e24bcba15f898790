"""Options and argument checks shared by the operators' commands."""

from datetime import datetime
from typing import Annotated

import typer

from shared.ops.deadletters import known_group
from shared.ops.errors import OpsError

DEFAULT_BOOTSTRAP = "127.0.0.1:9092"


def check_group(value: str | None) -> str | None:
    try:
        return None if value is None else known_group(value)
    except OpsError as error:
        raise typer.BadParameter(str(error)) from error


def parse_when(value: str) -> datetime:
    """An ISO 8601 date-time with its UTC offset (a bare local time would be ambiguous)."""
    try:
        when = datetime.fromisoformat(value)
    except ValueError as error:
        raise typer.BadParameter(f"not an ISO 8601 date-time: {value!r}") from error
    if when.tzinfo is None:
        raise typer.BadParameter("add a UTC offset, e.g. 2026-03-01T08:00:00+01:00 or ...Z")
    return when


Bootstrap = Annotated[
    str, typer.Option("--bootstrap", envvar="KAFKA_BOOTSTRAP_SERVERS", help="Kafka brokers.")
]
Prefix = Annotated[
    str, typer.Option("--topic-prefix", envvar="TOPIC_PREFIX", help="Topic namespace.")
]
Group = Annotated[str, typer.Option(callback=check_group, help="The service's consumer group.")]
OptionalGroup = Annotated[
    str | None, typer.Option(callback=check_group, help="Show this group's records.")
]
Offsets = Annotated[
    list[int] | None, typer.Option("--offset", help="Dead-letter offset to replay (repeatable).")
]
ReplayAll = Annotated[bool, typer.Option("--all", help="Every record not replayed yet.")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Show what would be replayed.")]
ToEarliest = Annotated[bool, typer.Option("--to-earliest", help="From the first retained event.")]
ToDatetime = Annotated[
    str | None,
    typer.Option("--to-datetime", help="From the first event at or after this ISO 8601 time."),
]
Yes = Annotated[bool, typer.Option("--yes", help="Apply the change.")]

DLQ_REPLAY_HELP = (
    "Re-publish dead letters to their original topic, then mark them replayed.\n\n"
    "Each record goes back with its original key, value and headers (without dlq_*, plus "
    "relais_replayed_from). Every group consuming that topic sees it again: consumers are "
    "idempotent by event id, so replaying a record that was in fact processed is harmless. "
    "Records already replayed are skipped (the consumer group relais-dlq-drain.<group> "
    "keeps track)."
)
REPLAY_HELP = (
    "Rewind a service's consumer group on the requests topic, to rebuild its store.\n\n"
    "The service must be stopped (its group must have no active members). Shows the plan "
    "and applies it only with --yes. Handlers skip the event ids they already recorded: to "
    "rebuild a store from scratch, empty it before starting the service again."
)
