"""Who may do what on which requests: roles from the token, department scope on every query.

A request outside the caller's scope is answered exactly like an unknown one (same 404, same
text, same query: the scope is part of the lookup, never a second check afterwards); a caller
without a role the action needs gets 403 before any request is looked up.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Depends

from services.tracking import visibility
from services.tracking.context import Context
from shared.auth import Agent, CurrentAgent
from shared.problems import ProblemError

NOT_FOUND = "Aucune demande ne porte cet identifiant."
FORBIDDEN = "Votre rôle ne permet pas cette action."


class Role(StrEnum):
    AGENT = "agent"
    """Works their department's requests."""
    SUPERVISOR = "supervisor"
    """Also assigns, sees their department's statistics and audit trail."""
    TRIAGE = "triage"
    """The front desk: requests routed to the triage department or not routed at all."""
    ADMIN = "admin"
    """Every department, configuration."""


STAFF = frozenset(Role)
DEPARTMENT_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR})
MANAGERS = frozenset({Role.SUPERVISOR, Role.ADMIN})
WORKERS = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN})


@dataclass(frozen=True)
class Access:
    agent: Agent
    roles: frozenset[Role]
    triage_department: str

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    def has(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles))

    def departments(self) -> list[str | None] | None:
        """Departments whose requests the caller works; None: every department."""
        if self.is_admin:
            return None
        found: list[str | None] = []
        if self.has(*DEPARTMENT_ROLES) and self.agent.department:
            found.append(self.agent.department)
        if Role.TRIAGE in self.roles:
            found += [self.triage_department, None]
        return found

    def scope(self, *, consulted: bool = True) -> dict[str, Any]:
        """MongoDB selector of the requests the caller may see (consultations included)."""
        departments = self.departments()
        if departments is None:
            return {}
        # One department is an equality: with the queue's filters, an index's exact prefix.
        if consulted:
            return {"visible_to": _one_of([visibility.key(d) for d in departments])}
        return {"department_code": _one_of(departments)}

    def owns(self, doc: dict[str, Any]) -> bool:
        """The request is in the caller's own departments (not merely consulted)."""
        departments = self.departments()
        return departments is None or doc.get("department_code") in departments

    def within(self, request_id: str) -> dict[str, Any]:
        return {"_id": request_id, **self.scope()}


def _one_of(values: list[Any]) -> Any:
    return values[0] if len(values) == 1 else {"$in": values}


def roles_of(agent: Agent) -> frozenset[Role]:
    return frozenset(Role(r) for r in agent.roles if r in Role._value2member_map_)


def requiring(*allowed: Role) -> Callable[..., Awaitable[Access]]:
    """A FastAPI dependency: the caller's access, 403 when none of `allowed` is theirs."""

    async def dependency(agent: CurrentAgent, tracking: Context) -> Access:
        access = Access(
            agent=agent,
            roles=roles_of(agent),
            triage_department=tracking.settings.triage_department,
        )
        if not access.has(*allowed):
            raise ProblemError(403, FORBIDDEN)
        await tracking.directory.remember(db=tracking.db, agent=agent, roles=access.roles)
        return access

    return dependency


def not_found() -> ProblemError:
    return ProblemError(404, NOT_FOUND)


Staff = Annotated[Access, Depends(requiring(*STAFF))]
Worker = Annotated[Access, Depends(requiring(*WORKERS))]
Forwarder = Annotated[Access, Depends(requiring(*STAFF))]
Manager = Annotated[Access, Depends(requiring(*MANAGERS))]
Admin = Annotated[Access, Depends(requiring(Role.ADMIN))]
