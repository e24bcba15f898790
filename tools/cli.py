"""The `relais` command. Other modules add commands by importing `app` (or a sub-app) from here."""

import asyncio
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from tools import devstack
from tools.cli_tokens import register as register_dev_token
from tools.devstack import report
from tools.ops import register as register_ops

app = typer.Typer(help="Relais: citizen-relationship management.", no_args_is_help=True)
stack_app = typer.Typer(
    help="The whole local stack: infrastructure and services.", no_args_is_help=True
)
infra_app = typer.Typer(
    help="Kafka and the store (SecantusDB) only (what the tests need).", no_args_is_help=True
)
app.add_typer(stack_app, name="stack")
app.add_typer(infra_app, name="infra")
register_ops(app)
register_dev_token(app)

# Wide enough for full URLs when piped (rich assumes 80 columns off a terminal).
console = Console(width=None if sys.stdout.isatty() else 120)
T = TypeVar("T")

StartedFile = Annotated[
    Path | None,
    typer.Option(
        help="File listing the components this command started (up writes it, "
        "down stops only those); lets a script stop only what it started."
    ),
]


def _run(coro_fn: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine, turning a DevstackError into a readable message and exit code 1."""
    try:
        return asyncio.run(coro_fn())
    except devstack.DevstackError as error:
        console.print(f"[red]error:[/] {error}")
        raise typer.Exit(1) from error


@stack_app.command("up")
def stack_up() -> None:
    """Start infrastructure and every service in the background, then show where they listen."""
    up = _run(devstack.stack_up)
    report.print_stack(console, up, devstack.stack_status())


@stack_app.command("down")
def stack_down() -> None:
    """Stop what `stack up` started: services first, then infrastructure."""
    stopped = devstack.stack_down()
    console.print(f"stopped: {', '.join(stopped)}" if stopped else "nothing was running")


@stack_app.command("status")
def stack_status() -> None:
    """Show each component and service: pid, state, address."""
    console.print(report.status_table(devstack.stack_status()))


@stack_app.command("run")
def stack_run() -> None:
    """Run everything in the foreground; Ctrl-C or SIGTERM stops it all cleanly."""

    def on_ready(up: devstack.StackUp) -> None:
        report.print_stack(console, up, devstack.stack_status())
        console.print("Running. Press Ctrl-C to stop.")

    stopped = _run(lambda: devstack.run_stack(on_ready))
    console.print(f"stopped: {', '.join(stopped) or 'nothing (all was reused)'}")


@infra_app.command("up")
def infra_up(started_file: StartedFile = None) -> None:
    """Start Kafka and the store if needed, and create the topics."""
    infra = _run(devstack.infra_up)
    if started_file is not None:  # first: the record matters more than the report
        started_file.write_text("".join(f"{name}\n" for name in infra.started))
    report.print_infra(console, infra)


@infra_app.command("down")
def infra_down(started_file: StartedFile = None) -> None:
    """Stop the Kafka and store this checkout started."""
    names = None
    if started_file is not None:
        names = started_file.read_text().split() if started_file.exists() else []
    stopped = devstack.infra_down(names)
    console.print(f"stopped: {', '.join(stopped)}" if stopped else "nothing to stop")


def main() -> None:
    app()
