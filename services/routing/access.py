"""Who may do what on routing's API: the one place where roles are checked."""

from typing import Annotated

from fastapi import Depends

from shared.auth import Agent, CurrentAgent
from shared.problems import ProblemError

ADMIN_ROLE = "admin"


def _admin(agent: CurrentAgent) -> Agent:
    if ADMIN_ROLE not in agent.roles:
        raise ProblemError(403, "Rôle administrateur requis pour modifier ou rejouer le routage.")
    return agent


AdminAgent = Annotated[Agent, Depends(_admin)]
