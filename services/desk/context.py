"""What the desk routes work with: intakes per channel, blob stores, directory, call log."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import Depends
from pymongo.asynchronous.database import AsyncDatabase

from services.desk.calls import CallLog
from services.desk.schemas import Accepted, local_today
from services.desk.settings import DeskSettings
from shared.auth import Agent
from shared.blobs import BlobStore
from shared.directory import RequestDirectory
from shared.events import Channel
from shared.http import app_state
from shared.intake import Intake, Receipt
from shared.mongo import Document


@dataclass(frozen=True)
class Desk:
    settings: DeskSettings
    db: AsyncDatabase[Document]
    intakes: Mapping[Channel, Intake]
    scans: BlobStore
    attachments: BlobStore
    directory: RequestDirectory
    calls: CallLog

    def accepted(self, receipt: Receipt, *, message: str) -> Accepted:
        return Accepted(
            id=receipt.request_id,
            reference=receipt.reference,
            tracking_token=receipt.tracking_token,
            status_url=self.settings.status_url(receipt.reference),
            message=message,
        )

    def today(self) -> date:
        return local_today(self.settings.timezone)

    async def delivered(self, key: str) -> bool:
        """Whether Intake already holds this delivery: a retried upload then stores no second
        copy of its files."""
        return await self.intakes[Channel.DESK].delivered(key) is not None


def agent_message_id(agent: Agent, idempotency_key: str | None) -> str | None:
    """Idempotency keys are scoped to the agent who chose them."""
    return f"{agent.agent_id}:{idempotency_key}" if idempotency_key else None


DeskContext = Annotated[Desk, Depends(app_state("desk"))]
