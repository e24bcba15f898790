"""The agents tracking knows: recorded when they first call the API, so that a supervisor
assigns requests only to agents of the department (and round-robin knows whom to pick)."""

from collections.abc import Iterable
from datetime import UTC, datetime

from pymongo.asynchronous.database import AsyncDatabase

from shared.auth import Agent
from shared.mongo import Document

AGENTS = "agents"
DEPARTMENT_ROLES = ("agent", "supervisor")


class Directory:
    """Remembers each (agent, department, roles) once per process: one write, not one a call."""

    def __init__(self) -> None:
        self._seen: set[tuple[str, str, tuple[str, ...]]] = set()

    async def remember(
        self, *, db: AsyncDatabase[Document], agent: Agent, roles: Iterable[str]
    ) -> None:
        roles = tuple(sorted(roles))
        key = (agent.agent_id, agent.department, roles)
        if key in self._seen:
            return
        await db[AGENTS].update_one(
            {"_id": agent.agent_id},
            {
                "$set": {
                    "name": agent.name,
                    "department": agent.department,
                    "roles": list(roles),
                    "seen_at": datetime.now(UTC),
                }
            },
            upsert=True,
        )
        self._seen.add(key)


async def member(
    *, db: AsyncDatabase[Document], agent_id: str, department: str | None
) -> Document | None:
    """The agent if they work in `department` (agent or supervisor role)."""
    return await db[AGENTS].find_one(
        {"_id": agent_id, "department": department, "roles": {"$in": list(DEPARTMENT_ROLES)}}
    )


async def ensure_indexes(*, db: AsyncDatabase[Document]) -> None:
    await db[AGENTS].create_index([("department", 1), ("roles", 1)])
