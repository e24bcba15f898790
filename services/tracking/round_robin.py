"""Optional automatic assignment: each unassigned request of a department that asks for it
goes to the agent of that department with the fewest open requests, below a cap.

Raised by the watch as RequestAssigned (mode `automatic`, with the version it saw): applied
by the single writer like a claim, so an agent who claimed the request meanwhile keeps it.
"""

import uuid
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from services.tracking import indexes
from services.tracking.queries import DONE
from services.tracking.settings import SOURCE
from services.tracking.staff import AGENTS
from services.tracking.store import REQUESTS
from services.tracking.versions import version_of
from shared.envelope import Envelope
from shared.events import AgentRef, RequestAssigned
from shared.mongo import Document

NAMESPACE = uuid.UUID("9a4f0f0e-61b2-4c55-8d0e-3f7c2b6a1d88")
BATCH = 200


def pick(load: dict[str, int], *, cap: int) -> str | None:
    """The least loaded agent under the cap (ties: by id, so the choice is reproducible)."""
    candidates = sorted((n, agent_id) for agent_id, n in load.items() if n < cap)
    return candidates[0][1] if candidates else None


async def _load(db: AsyncDatabase[Document], department: str) -> dict[str, int]:
    agents = db[AGENTS].find({"department": department, "roles": "agent"}, {"name": 1})
    load = {}
    async for agent in agents:
        load[agent["_id"]] = await db[REQUESTS].count_documents(
            {"assignee.agent_id": agent["_id"], "status": {"$nin": DONE}},
            hint=indexes.BY_ASSIGNEE,
        )
    return load


async def assignments(
    *, db: AsyncDatabase[Document], departments: list[str], cap: int, now: datetime
) -> list[Envelope]:
    found = []
    for department in departments:
        load = await _load(db, department)
        names: dict[str, Any] = {
            a["_id"]: a.get("name", "") async for a in db[AGENTS].find({"_id": {"$in": list(load)}})
        }
        waiting = (
            db[REQUESTS]
            .find(
                {
                    "department_code": department,
                    "assignee.agent_id": None,
                    "status": {"$nin": [*DONE]},
                },
                {"reference": 1, "event_count": 1},
                hint=indexes.BY_DEPARTMENT,
            )
            .sort([("due_at", 1), ("_id", 1)])
        )
        async for doc in waiting.limit(BATCH):
            agent_id = pick(load, cap=cap)
            if agent_id is None:
                break
            load[agent_id] += 1
            version = version_of(doc)
            event = RequestAssigned(
                request_id=doc["_id"],
                reference=doc["reference"],
                actor="system",
                expected_version=version,
                at=now,
                assignee=AgentRef(agent_id=agent_id, name=names.get(agent_id, "")),
                mode="automatic",
            )
            event_id = str(uuid.uuid5(NAMESPACE, f"{doc['_id']}|{version}"))
            found.append(Envelope(data=event, source=SOURCE, id=event_id))
    return found
