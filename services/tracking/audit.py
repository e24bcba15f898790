"""Who read which request's personal data, and when: recorded on every read of a full record,
listed to the department's supervisors and to admins."""

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel
from pymongo.asynchronous.database import AsyncDatabase

from services.tracking.access import Access, Manager
from services.tracking.context import Context
from shared.mongo import Document

AUDIT = "audit_reads"
BY_DEPARTMENT = "department_1_at_-1"
BY_REQUEST = "request_1_at_-1"
router = APIRouter(prefix="/v1/audit", tags=["audit"])


class AuditEntry(BaseModel):
    at: datetime
    agent_id: str
    agent_name: str
    request_id: str
    reference: str
    department: str | None
    what: str


async def record(
    *, db: AsyncDatabase[Document], access: Access, doc: Document, what: str = "dossier"
) -> None:
    await db[AUDIT].insert_one(
        {
            "_id": str(uuid.uuid4()),
            "at": datetime.now(UTC),
            "agent_id": access.agent.agent_id,
            "agent_name": access.agent.name,
            "request_id": doc["_id"],
            "reference": doc["reference"],
            "department": doc.get("department_code"),
            "what": what,
        }
    )


async def ensure_indexes(*, db: AsyncDatabase[Document]) -> None:
    await db[AUDIT].create_index([("department", 1), ("at", -1)], name=BY_DEPARTMENT)
    await db[AUDIT].create_index([("request_id", 1), ("at", -1)], name=BY_REQUEST)


@router.get("", summary="Lectures de données personnelles (responsables, administrateurs)")
async def list_reads(
    access: Manager,
    tracking: Context,
    request_id: Annotated[str | None, Query(max_length=64)] = None,
    agent_id: Annotated[str | None, Query(max_length=100)] = None,
    before: Annotated[datetime | None, Query(description="Plus anciennes que (ISO 8601)")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AuditEntry]:
    found: dict[str, Any] = {}
    if not access.is_admin:
        found["department"] = access.agent.department
    if request_id:
        found["request_id"] = request_id
    if agent_id:
        found["agent_id"] = agent_id
    if before:
        found["at"] = {"$lt": before}
    hint = BY_REQUEST if request_id else BY_DEPARTMENT
    cursor = tracking.db[AUDIT].find(found, hint=hint).sort("at", -1).limit(limit)
    return [AuditEntry(**entry) async for entry in cursor]
