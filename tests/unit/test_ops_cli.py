"""`relais dlq|replay|topics` argument handling: refused before anything touches Kafka."""

import pytest
from typer.testing import CliRunner

from tools.cli import app

# Nothing listens there: a command that got past its argument checks would fail with exit 1.
UNREACHABLE = {"KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1", "COLUMNS": "200"}


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=UNREACHABLE)
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["replay", "--group", "nope", "--to-earliest"], "unknown group 'nope'"),
        (["replay", "--group", "tracking"], "either --to-earliest or --to-datetime"),
        (
            ["replay", "--group", "tracking", "--to-earliest", "--to-datetime", "2026-01-01Z"],
            "either --to-earliest or --to-datetime",
        ),
        (["replay", "--group", "tracking", "--to-datetime", "hier"], "not an ISO 8601"),
        (["replay", "--group", "tracking", "--to-datetime", "2026-03-01T08:00"], "UTC offset"),
        (["dlq", "replay", "--group", "routing"], "either --offset N"),
        (["dlq", "replay", "--group", "routing", "--all", "--offset", "3"], "either --offset N"),
        (["dlq", "replay", "--group", "nope", "--all"], "unknown group"),
        (["dlq", "replay", "--group", "routing", "--offset", "x"], "Invalid value for '--offset'"),
        (["dlq", "list", "--group", "nope"], "unknown group"),
    ],
)
def test_bad_arguments_are_refused_with_a_usage_error(args: list[str], message: str) -> None:
    code, output = invoke(*args)
    assert code == 2
    assert message in " ".join(output.replace("│", " ").split())


def test_an_unreachable_broker_is_a_clear_error_not_a_traceback() -> None:
    code, output = invoke("topics")
    assert code == 1
    assert "error:" in output and "127.0.0.1" in output


def test_help_says_replaying_is_harmless_for_idempotent_consumers() -> None:
    code, output = invoke("dlq", "replay", "--help")
    assert code == 0
    assert "idempotent by event id" in output
