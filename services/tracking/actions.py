"""Running an agent's command: checked, published to the log, then awaited until applied.

The answer is the applied result (read-your-writes): 200 with the request's new version,
409/412 when the single writer refused it (another agent was faster), 202 when it was
recorded in the log but not applied within COMMAND_WAIT_S.
"""

from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import Response

from services.tracking import commands, outcomes, reads, views
from services.tracking.access import Access, not_found
from services.tracking.context import Tracking
from services.tracking.schemas import ActionResult
from services.tracking.settings import SOURCE
from services.tracking.versions import check, etag, expected_version
from shared.envelope import Envelope
from shared.events import Event
from shared.mongo import Document
from shared.problems import ProblemError

Build = Callable[[Document, int | None], Event]


async def load(
    *, tracking: Tracking, access: Access, request_id: str, owner: bool = True
) -> Document:
    """The request in the caller's scope (their own department's when `owner`), else 404."""
    doc = await reads.get_request(db=tracking.db, access=access, request_id=request_id)
    if doc is None or (owner and not access.owns(doc)):
        raise not_found()
    return doc


async def run(
    *,
    tracking: Tracking,
    access: Access,
    current: Document,
    if_match: str | None,
    build: Build,
    response: Response,
    correlation_id: str = "",
) -> ActionResult:
    expected = expected_version(if_match)
    check(current, expected)
    envelope = Envelope(data=build(current, expected), source=SOURCE, correlation_id=correlation_id)
    await commands.publish(tracking.publisher, envelope)
    outcome = await outcomes.wait(
        db=tracking.db,
        waiters=tracking.waiters,
        event_id=envelope.id,
        timeout_s=tracking.settings.command_wait_s,
    )
    return await answer(
        tracking=tracking, access=access, envelope=envelope, outcome=outcome, response=response
    )


async def answer(
    *,
    tracking: Tracking,
    access: Access,
    envelope: Envelope,
    outcome: Document | None,
    response: Response,
) -> ActionResult:
    request_id = envelope.data.request_id
    if outcome is None:
        response.status_code = 202
        return ActionResult(event_id=envelope.id, request_id=request_id, applied=False)
    if not outcome["applied"]:
        raise ProblemError(outcome["status"], outcome["detail"], **(outcome.get("extra") or {}))
    response.headers["ETag"] = etag(outcome["version"])
    doc = await reads.get_request(db=tracking.db, access=access, request_id=request_id)
    summary = views.summary(doc, now=datetime.now(UTC)) if doc else None
    return ActionResult(
        event_id=envelope.id,
        request_id=request_id,
        applied=True,
        version=outcome["version"],
        request=summary,
    )
