"""Which requests an agent may see: the rules of the agents' workspace (tracking), by role
and department. A request outside the agent's scope is answered like an unknown one."""

from dataclasses import dataclass

from shared.auth import Agent
from shared.mongo import Document

ADMIN, AGENT, SUPERVISOR, TRIAGE = "admin", "agent", "supervisor", "triage"


@dataclass(frozen=True)
class Access:
    agent: Agent
    triage_department: str

    @property
    def roles(self) -> frozenset[str]:
        # Tokens issued before roles existed name none: they are department agents.
        return frozenset(self.agent.roles or [AGENT])

    def departments(self) -> set[str | None] | None:
        """Departments whose requests the agent works; None: every department."""
        if ADMIN in self.roles:
            return None
        found: set[str | None] = set()
        if self.roles & {AGENT, SUPERVISOR} and self.agent.department:
            found.add(self.agent.department)
        if TRIAGE in self.roles:
            found |= {self.triage_department, None}
        return found

    def may_see(self, request: Document) -> bool:
        departments = self.departments()
        return departments is None or request.get("department") in departments
