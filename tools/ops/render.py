"""Rich output for the operators' commands (data is never parsed as rich markup)."""

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from shared.ops.deadletters import DeadLetter, DeadLetterCount
from shared.ops.redrive import RedriveReport
from shared.ops.topics import GroupLag, TopicSize
from tools.ops.replay import OffsetChange, ResetPlan

ERROR_WIDTH = 80


def _table(title: str, *columns: str) -> Table:
    table = Table(title=Text(title))
    for column in columns:
        table.add_column(column)
    return table


def _row(table: Table, *cells: object, style: dict[int, str] | None = None) -> None:
    styles = style or {}
    table.add_row(*(Text(str(c), style=styles.get(i, "")) for i, c in enumerate(cells)))


def _short(text: str | None, width: int = ERROR_WIDTH) -> str:
    text = (text or "").replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def dead_letter_counts(counts: list[DeadLetterCount]) -> Table:
    table = _table("Dead letters", "group", "topic", "records", "not replayed")
    for c in counts:
        _row(table, c.group, c.topic, c.total, c.pending, style={3: "red"} if c.pending else None)
    return table


def _original(letter: DeadLetter) -> str:
    info = letter.info
    topic = info.get("dlq_original_topic", "?")
    return f"{topic}[{info.get('dlq_original_partition', '?')}]@{info.get('dlq_original_offset')}"


def dead_letters(title: str, letters: list[DeadLetter]) -> Table:
    table = _table(
        title, "offset", "original", "error type", "error", "failed at", "ce_type", "ce_id",
        "replayed",
    )  # fmt: skip
    for letter in letters:
        info = letter.info
        _row(
            table,
            letter.offset,
            _original(letter),
            info.get("dlq_error_type", ""),
            _short(info.get("dlq_error")),
            info.get("dlq_failed_at", ""),
            letter.header("ce_type") or "",
            letter.header("ce_id") or "",
            "yes" if letter.drained else "no",
        )
    return table


def print_redrive(out: Console, report: RedriveReport) -> None:
    verb = "would replay" if report.dry_run else "replayed"
    offsets = ", ".join(str(letter.offset) for letter in report.replayed) or "-"
    out.print(f"{verb} {len(report.replayed)} record(s) of {escape(report.topic)}: {offsets}")
    out.print(f"skipped {len(report.skipped)} record(s) already replayed")
    for number, reason in report.unreplayable.items():
        out.print(f"[red]not replayable:[/] offset {number}: {escape(reason)}")


def _effect(change: OffsetChange) -> tuple[str, str]:
    if change.delta > 0:
        return f"replays {change.delta}", ""
    if change.delta < 0:
        return f"skips {-change.delta}", "red"
    return "unchanged", ""


def print_reset_plan(out: Console, plan: ResetPlan) -> None:
    table = _table(f"{plan.group_id} on {plan.topic}", "partition", "committed", "new", "effect")
    for change in plan.changes:
        old = "none (earliest)" if change.old is None else change.old
        effect, style = _effect(change)
        _row(table, change.partition, old, change.new, effect, style={3: style})
    out.print(table)
    out.print(
        f"group state {escape(plan.group_state)}, {plan.members} active member(s); "
        f"{plan.replayed} event(s) handled again, {plan.skipped} skipped"
    )
    if plan.members:
        out.print("[red]the service must be stopped before its offsets can be moved[/]")


def topic_sizes(sizes: list[TopicSize]) -> Table:
    table = _table("Topics", "topic", "partitions", "records (end offsets)")
    for size in sizes:
        if size.partitions is None:
            _row(table, size.name, "missing", "-", style={1: "red"})
        else:
            _row(table, size.name, size.partitions, size.records)
    return table


def group_lags(lags: list[GroupLag]) -> Table:
    table = _table("Consumer lag on the requests topic", "group", "lag", "note")
    for lag in lags:
        note = "" if lag.committed else "no commits yet (would start at the earliest offsets)"
        _row(table, lag.group_id, lag.lag, note)
    return table
