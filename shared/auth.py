"""Agent authentication: HS256 JWT bearer tokens naming the agent and their department."""

from datetime import UTC, datetime, timedelta
from typing import Annotated

import jwt
from fastapi import Depends, Request
from pydantic import BaseModel

from shared.problems import ProblemError

ISSUER = "relais"
DEV_SECRET = "relais-dev-secret-change-me-in-production"


class Agent(BaseModel):
    agent_id: str
    name: str
    department: str
    roles: list[str] = []


def issue_token(*, agent: Agent, secret: str, ttl: timedelta = timedelta(hours=12)) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": agent.agent_id,
        "name": agent.name,
        "department": agent.department,
        "roles": agent.roles,
        "iss": ISSUER,
        "iat": now,
        "exp": now + ttl,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def verify_token(token: str, *, secret: str) -> Agent:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            issuer=ISSUER,
            options={"require": ["sub", "exp", "iss"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise ProblemError(
            401, "Le jeton d'agent a expiré.", headers={"WWW-Authenticate": "Bearer"}
        ) from exc
    except jwt.PyJWTError as exc:
        raise ProblemError(
            401, "Jeton d'agent invalide.", headers={"WWW-Authenticate": "Bearer"}
        ) from exc
    return Agent(
        agent_id=claims["sub"],
        name=claims.get("name", ""),
        department=claims.get("department", ""),
        roles=claims.get("roles", []),
    )


def agent_from_request(request: Request) -> Agent:
    """FastAPI dependency; the app must set `app.state.agent_jwt_secret`."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ProblemError(
            401,
            "Authentification d'agent requise (jeton Bearer).",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return verify_token(token.strip(), secret=request.app.state.agent_jwt_secret)


CurrentAgent = Annotated[Agent, Depends(agent_from_request)]
