"""`relais dlq list|replay`, `relais replay`, `relais topics`: operators' commands."""

import asyncio
import os
import sys
from collections.abc import Coroutine
from typing import Any, TypeVar

import typer
from aiokafka.errors import KafkaError
from rich.console import Console
from rich.markup import escape

from shared.errors import BrokerUnavailable
from shared.ops.deadletters import count_dead_letters, list_dead_letters
from shared.ops.errors import OpsError
from shared.ops.redrive import replay_dead_letters
from shared.ops.topics import topic_overview
from tools.ops import render
from tools.ops.options import (
    DEFAULT_BOOTSTRAP,
    DLQ_REPLAY_HELP,
    REPLAY_HELP,
    Bootstrap,
    DryRun,
    Group,
    Offsets,
    OptionalGroup,
    Prefix,
    ReplayAll,
    ToDatetime,
    ToEarliest,
    Yes,
    parse_when,
)
from tools.ops.replay import apply_reset, plan_reset

T = TypeVar("T")
dlq_app = typer.Typer(help="Dead letters: records a service could not process.")


def console() -> Console:
    """Stdout; when piped, COLUMNS wide or else 160 columns (rich would assume 80)."""
    wide = sys.stdout.isatty() or os.environ.get("COLUMNS", "").isdigit()
    return Console(width=None if wide else 160)


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine; an OpsError or Kafka failure becomes a message and exit code 1."""
    try:
        return asyncio.run(coro)
    except (OpsError, KafkaError, BrokerUnavailable, OSError) as error:
        console().print(f"[red]error:[/] {escape(str(error))}")
        raise typer.Exit(1) from error


@dlq_app.command("list")
def dlq_list(
    group: OptionalGroup = None, bootstrap: Bootstrap = DEFAULT_BOOTSTRAP, topic_prefix: Prefix = ""
) -> None:
    """Count dead letters per group; with --group, show that group's records."""
    out = console()
    counts = _run(count_dead_letters(bootstrap=bootstrap, prefix=topic_prefix))
    out.print(render.dead_letter_counts(counts))
    if group is not None:
        letters = _run(list_dead_letters(bootstrap=bootstrap, prefix=topic_prefix, group=group))
        out.print(render.dead_letters(f"Dead letters of {group}", letters))


@dlq_app.command("replay", help=DLQ_REPLAY_HELP)
def dlq_replay(
    group: Group,
    offset: Offsets = None,
    replay_all: ReplayAll = False,
    dry_run: DryRun = False,
    bootstrap: Bootstrap = DEFAULT_BOOTSTRAP,
    topic_prefix: Prefix = "",
) -> None:
    if replay_all == bool(offset):
        raise typer.BadParameter("give either --offset N (repeatable) or --all")
    report = _run(
        replay_dead_letters(
            bootstrap=bootstrap,
            prefix=topic_prefix,
            group=group,
            offsets=offset or (),
            replay_all=replay_all,
            dry_run=dry_run,
        )
    )
    render.print_redrive(console(), report)
    if report.unreplayable:
        raise typer.Exit(1)


def replay(
    group: Group,
    to_earliest: ToEarliest = False,
    to_datetime: ToDatetime = None,
    yes: Yes = False,
    bootstrap: Bootstrap = DEFAULT_BOOTSTRAP,
    topic_prefix: Prefix = "",
) -> None:
    if to_earliest == (to_datetime is not None):
        raise typer.BadParameter("give either --to-earliest or --to-datetime")
    when = None if to_datetime is None else parse_when(to_datetime)
    plan = _run(plan_reset(bootstrap=bootstrap, prefix=topic_prefix, group=group, to_datetime=when))
    out = console()
    render.print_reset_plan(out, plan)
    if not yes:
        out.print("nothing changed: run again with --yes to apply")
        return
    _run(apply_reset(bootstrap=bootstrap, plan=plan))
    out.print(f"offsets of {escape(plan.group_id)} moved: start the service to replay")


def topics(bootstrap: Bootstrap = DEFAULT_BOOTSTRAP, topic_prefix: Prefix = "") -> None:
    """Relais topics with partitions and end offsets, and each group's lag on the requests topic."""
    sizes, lags = _run(topic_overview(bootstrap=bootstrap, prefix=topic_prefix))
    out = console()
    out.print(render.topic_sizes(sizes))
    out.print(render.group_lags(lags))


def register(app: typer.Typer) -> None:
    """Add `dlq`, `replay` and `topics` to the `relais` command."""
    app.add_typer(dlq_app, name="dlq")
    app.command("replay", help=REPLAY_HELP)(replay)
    app.command("topics")(topics)
