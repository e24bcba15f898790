"""Every index tracking's queries need, created at start-up, and the hint some queries use.

Most queries name their index (`hint`): the plan does not depend on a planner's guess. The
agents' queue does not: the development store walks a hinted index whole, so the queue sends
flat selectors whose fields are an index's prefix, then the sort key (see queue.py), and
tests/integration/test_tracking_queue.py checks each is served by an index.
"""

from pymongo.asynchronous.database import AsyncDatabase

from services.tracking import audit, outcomes, staff, store
from shared.mongo import Document

OUTCOMES_KEPT_S = 24 * 3600
BY_ID = "_id_"
BY_DUE = "due_at_1__id_1"  # store.DUE_INDEX
BY_QUEUE = "department_code_1_status_1_due_at_1"  # store.QUEUE_INDEX
BY_STATUS = "status_1_due_at_1"  # store.STATUS_INDEX
BY_VISIBLE = "visible_to_1_due_1_id_1"
BY_VISIBLE_STATUS = "visible_to_1_status_1_due_1_id_1"
BY_DEPARTMENT_STATUS = "department_1_status_1_due_1_id_1"
BY_VISIBLE_CHANNEL = "visible_to_1_channel_1_due_1_id_1"
BY_VISIBLE_ASSIGNEE = "visible_to_1_assignee_1_due_1_id_1"
BY_CHANNEL = "channel_1_due_1_id_1"
BY_STATUS_DUE = "status_1_due_1_id_1"
BY_DEPARTMENT_ASSIGNEE = "department_1_assignee_1_due_1_id_1"
BY_DEPARTMENT = "department_1_due_1_id_1"
BY_ASSIGNEE = "assignee_1_due_1_id_1"
BY_ADMIN_QUEUE = "admin_queue_1_due_1"
BY_ESCALATED = "escalated_1_due_1"
BY_TERMS = "search_terms_1"
BY_RECEIVED = "department_1_submitted_1"
BY_ACTIVITY = "department_1_at_1"
BY_REFERENCE = "reference_1"

INDEXES: dict[str, list[tuple[str, int]]] = {
    BY_VISIBLE: [("visible_to", 1), ("due_at", 1), ("_id", 1)],
    BY_VISIBLE_STATUS: [("visible_to", 1), ("status", 1), ("due_at", 1), ("_id", 1)],
    BY_DEPARTMENT_STATUS: [("department_code", 1), ("status", 1), ("due_at", 1), ("_id", 1)],
    BY_VISIBLE_CHANNEL: [("visible_to", 1), ("channel", 1), ("due_at", 1), ("_id", 1)],
    BY_VISIBLE_ASSIGNEE: [("visible_to", 1), ("assignee.agent_id", 1), ("due_at", 1), ("_id", 1)],
    BY_CHANNEL: [("channel", 1), ("due_at", 1), ("_id", 1)],
    BY_STATUS_DUE: [("status", 1), ("due_at", 1), ("_id", 1)],
    BY_DEPARTMENT_ASSIGNEE: [
        ("department_code", 1),
        ("assignee.agent_id", 1),
        ("due_at", 1),
        ("_id", 1),
    ],
    BY_DEPARTMENT: [("department_code", 1), ("due_at", 1), ("_id", 1)],
    BY_ASSIGNEE: [("assignee.agent_id", 1), ("due_at", 1), ("_id", 1)],
    BY_ADMIN_QUEUE: [("admin_queue", 1), ("due_at", 1)],
    BY_ESCALATED: [("escalated_at", 1), ("due_at", 1)],
    BY_TERMS: [("search_terms", 1)],
    BY_RECEIVED: [("department_code", 1), ("submitted_at", 1)],
}


async def ensure_indexes(*, db: AsyncDatabase[Document]) -> None:
    await store.ensure_indexes(db=db)
    await staff.ensure_indexes(db=db)
    await audit.ensure_indexes(db=db)
    requests = db[store.REQUESTS]
    for name, keys in INDEXES.items():
        await requests.create_index(keys, name=name)
    await db[store.TIMELINE].create_index([("department_code", 1), ("at", 1)], name=BY_ACTIVITY)
    await db[outcomes.OUTCOMES].create_index("at", expireAfterSeconds=OUTCOMES_KEPT_S)
