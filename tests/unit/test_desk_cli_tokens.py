"""`relais dev-token`, registered onto a typer app as tools/cli.py will do."""

import pytest
import typer
from typer.testing import CliRunner

from shared.auth import DEV_SECRET, verify_token
from shared.problems import ProblemError
from tools.cli_tokens import agent_id_for, register


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Several commands, like the real `relais`."""

    register(app)
    return app


def test_prints_a_token_for_the_agent_signed_with_the_configured_secret() -> None:
    result = CliRunner().invoke(
        _app(),
        ["dev-token", "--agent", "Julie Moreau", "--department", "accueil", "--ttl-hours", "2"],
        env={"AGENT_JWT_SECRET": "un-secret-de-test-assez-long-pour-hs256"},
    )
    assert result.exit_code == 0, result.output
    agent = verify_token(result.stdout.strip(), secret="un-secret-de-test-assez-long-pour-hs256")
    assert (agent.agent_id, agent.name, agent.department) == (
        "julie-moreau",
        "Julie Moreau",
        "accueil",
    )
    assert result.stderr == ""
    with pytest.raises(ProblemError):
        verify_token(result.stdout.strip(), secret=DEV_SECRET)


def test_warns_on_stderr_when_the_development_secret_is_used() -> None:
    result = CliRunner().invoke(
        _app(),
        ["dev-token", "--agent", "Éloïse Lefèvre", "--department", "etat_civil"],
        env={"AGENT_JWT_SECRET": ""},
    )
    assert result.exit_code == 0
    assert "AGENT_JWT_SECRET" in result.stderr
    assert verify_token(result.stdout.strip(), secret=DEV_SECRET).agent_id == "eloise-lefevre"


def test_an_unknown_department_is_refused() -> None:
    result = CliRunner().invoke(
        _app(), ["dev-token", "--agent", "Julie Moreau", "--department", "piscine"]
    )
    assert result.exit_code == 2 and result.stdout == ""
    assert "accueil" in result.stderr


def test_agent_ids_are_slugs_of_the_name() -> None:
    assert agent_id_for("  Jean-Édouard  d'Arc ") == "jean-edouard-d-arc"
    assert agent_id_for("***") == "agent"
