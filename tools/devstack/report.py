"""Rich tables that tell a developer what runs where."""

from rich.console import Console
from rich.table import Table

from tools.devstack.infra import Infra
from tools.devstack.stack import StackUp, Status

STATE_STYLE = {"running": "green", "stopped": "red", "external": "cyan", "not ours": "cyan"}


def status_table(rows: list[Status]) -> Table:
    table = Table(title="Relais local stack")
    for column in ("name", "pid", "state", "listens on", "API docs"):
        table.add_column(column)
    for row in rows:
        style = STATE_STYLE.get(row.state, "")
        table.add_row(
            row.name,
            str(row.pid or "-"),
            f"[{style}]{row.state}[/]",
            "\n".join(row.addresses),
            row.docs_url or "",
        )
    return table


def print_infra(console: Console, infra: Infra) -> None:
    for verb, names in (
        ("started", infra.started),
        ("reused (already running)", infra.reused),
        ("external (from environment)", infra.external),
    ):
        if names:
            console.print(f"{verb}: {', '.join(names)}")
    if infra.topics_created:
        console.print(f"topics created: {', '.join(infra.topics_created)}")
    console.print(f"KAFKA_BOOTSTRAP_SERVERS={infra.kafka_bootstrap}")
    console.print(f"MONGODB_URI={infra.mongodb_uri}")


def print_stack(console: Console, up: StackUp, rows: list[Status]) -> None:
    print_infra(console, up.infra)
    for spec in up.missing:
        console.print(
            f"[red]error:[/] service {spec.name}: module {spec.module} does not exist "
            "yet, not started"
        )
    console.print(status_table(rows))
