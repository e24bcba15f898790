"""The portal's resources, shared by its routes, and how it files a submission."""

from dataclasses import dataclass
from typing import Annotated

import structlog
from fastapi import Depends

from services.portal.schemas import Accepted
from services.portal.settings import PortalSettings
from shared.blobs import BlobStore
from shared.catalogue import Catalogue
from shared.directory import RequestDirectory
from shared.events import Channel
from shared.http import app_state
from shared.intake import Intake, RequestDraft

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Portal:
    settings: PortalSettings
    catalogue: Catalogue
    intake: Intake
    blobs: BlobStore
    directory: RequestDirectory

    async def keep_raw(self, *, content: bytes, content_type: str) -> str:
        return await self.blobs.keep_raw(
            content=content, content_type=content_type, channel=Channel.PORTAL.value
        )

    async def file(self, draft: RequestDraft, *, correlation_id: str) -> tuple[Accepted, bool]:
        """Publish the request (once per idempotency key); the answer and whether it is a replay.

        Raises BrokerUnavailable when Kafka did not acknowledge: nothing is promised then.
        """
        receipt = await self.intake.submit(draft, correlation_id=correlation_id)
        log.info(
            "portal.request_accepted",
            reference=receipt.reference,
            request_id=receipt.request_id,
            replay=receipt.duplicate,
            form_type=draft.form.form_type if draft.form else None,
        )
        accepted = Accepted(
            id=receipt.request_id,
            reference=receipt.reference,
            tracking_token=receipt.tracking_token,
            status_url=self.settings.status_url(receipt.reference),
            message=acknowledgement(receipt.reference),
        )
        return accepted, receipt.duplicate


def acknowledgement(reference: str) -> str:
    return (
        f"Votre demande a bien été enregistrée sous la référence {reference}. Conservez votre "
        "code de suivi : avec la référence, il vous permet de suivre l'avancement de la demande."
    )


PortalDep = Annotated[Portal, Depends(app_state("portal"))]
