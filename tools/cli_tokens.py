"""`relais dev-token`: a development bearer token for a named agent and department."""

import os
import re
import unicodedata
from datetime import timedelta
from typing import Annotated

import typer

from shared.auth import DEV_SECRET, Agent, issue_token
from shared.catalogue import load_catalogue

SECRET_ENV = "AGENT_JWT_SECRET"


def agent_id_for(name: str) -> str:
    """A stable id from the agent's name: "Julie Moreau" -> "julie-moreau"."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-") or "agent"


def dev_token(
    agent: Annotated[str, typer.Option(help='Agent\'s full name, e.g. "Julie Moreau"')],
    department: Annotated[str, typer.Option(help="Department code from the catalogue")],
    ttl_hours: Annotated[float, typer.Option(min=0.01, max=24 * 30, help="Validity")] = 12,
    agent_id: Annotated[str | None, typer.Option(help="Default: derived from the name")] = None,
    role: Annotated[
        list[str] | None,
        typer.Option(help="Role, repeatable: agent (default), supervisor, triage, admin"),
    ] = None,
) -> None:
    """Print a development JWT for an agent (signed with AGENT_JWT_SECRET or the dev secret)."""
    departments = load_catalogue().departments
    if department not in departments:
        typer.echo(
            f"error: unknown department {department!r}; known: {', '.join(sorted(departments))}",
            err=True,
        )
        raise typer.Exit(2)
    if os.environ.get("OIDC_ISSUER"):
        typer.echo(
            "warning: OIDC_ISSUER is set: services accept only the provider's tokens, "
            "not this development token.",
            err=True,
        )
    secret = os.environ.get(SECRET_ENV) or DEV_SECRET
    if secret == DEV_SECRET:
        typer.echo(
            f"warning: {SECRET_ENV} is not set; signing with the development secret "
            "(never use it in production).",
            err=True,
        )
    identity = Agent(
        agent_id=agent_id or agent_id_for(agent),
        name=agent.strip(),
        department=department,
        roles=role or ["agent"],
    )
    typer.echo(issue_token(agent=identity, secret=secret, ttl=timedelta(hours=ttl_hours)))


def register(app: typer.Typer) -> None:
    """Add `dev-token` to the `relais` command (called from tools/cli.py)."""
    app.command("dev-token")(dev_token)
