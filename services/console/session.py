"""The agent's session (signed HttpOnly cookie), its CSRF token and its flash message."""

import hmac
import secrets
from typing import Annotated, Any

from fastapi import Depends, Request

from shared.auth import Agent, verify_token
from shared.problems import ProblemError

COOKIE = "relais_console"


class LoginRequired(Exception):
    """No session, or its token expired: back to the login page."""


class CsrfRefused(Exception):
    """A form came without this session's CSRF token."""


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


def open_session(request: Request, *, token: str, agent: Agent) -> None:
    """A fresh session for the agent (a new CSRF token too: no fixation)."""
    request.session.clear()
    request.session.update(
        {"token": token, "agent": agent.model_dump(), "csrf": secrets.token_urlsafe(32)}
    )


def flash(request: Request, text: str, *, kind: str = "success") -> None:
    request.session["flash"] = {"kind": kind, "text": text}


def pop_flash(request: Request) -> dict[str, str] | None:
    found: dict[str, str] | None = request.session.pop("flash", None)
    return found


def current_agent(request: Request) -> Agent:
    token = request.session.get("token")
    if not token:
        raise LoginRequired
    try:
        agent = verify_token(token, secret=request.app.state.console.settings.agent_jwt_secret)
    except ProblemError as exc:
        request.session.clear()
        raise LoginRequired from exc
    request.state.token = token
    return agent


async def check_csrf(request: Request) -> None:
    """Every form the console posts carries the session's token in a `csrf` field."""
    sent = (await request.form()).get("csrf")
    expected = request.session.get("csrf")
    if not (isinstance(sent, str) and expected and hmac.compare_digest(sent, expected)):
        raise CsrfRefused


def agent_token(request: Request) -> str:
    token: str = request.state.token
    return token


SessionAgent = Annotated[Agent, Depends(current_agent)]
Csrf = Depends(check_csrf)
Context = dict[str, Any]
