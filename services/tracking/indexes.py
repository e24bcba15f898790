"""Every index tracking's queries need, created at start-up."""

from pymongo.asynchronous.database import AsyncDatabase

from services.tracking import outcomes, repository, staff
from shared.mongo import Document

OUTCOMES_KEPT_S = 24 * 3600


async def ensure_indexes(*, db: AsyncDatabase[Document]) -> None:
    await repository.ensure_indexes(db=db)
    await staff.ensure_indexes(db=db)
    requests = db[repository.REQUESTS]
    # Scope: a consulted department sees the request too.
    await requests.create_index([("consulted_departments", 1), ("due_at", 1)])
    # Queues: unassigned per department, admin queue, soonest due first.
    await requests.create_index([("department_code", 1), ("assignee", 1), ("due_at", 1)])
    await requests.create_index([("admin_queue", 1), ("due_at", 1)])
    await db[outcomes.OUTCOMES].create_index("at", expireAfterSeconds=OUTCOMES_KEPT_S)
