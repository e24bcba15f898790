"""Running an agent's command: checked, published to the log, then awaited until applied.

The answer is the applied result (read-your-writes): 200 with the request's new version,
409/412 when the single writer refused it (another agent was faster), 202 when it was
recorded in the log but not applied within COMMAND_WAIT_S.

A route takes a `Command` (`WorkerCommand`, `ManagerCommand`...): the caller checked for the
roles it needs, the request loaded in their scope, and what running the command takes.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Response

from services.tracking import commands, outcomes, reads, views
from services.tracking.access import MANAGERS, STAFF, WORKERS, Access, Role, not_found, requiring
from services.tracking.context import Context, RequestIdPath, Tracking
from services.tracking.schemas import ActionResult
from services.tracking.settings import SOURCE
from services.tracking.versions import IfMatch, check, etag, expected_version
from shared.envelope import Envelope
from shared.events import AgentAction, Event
from shared.http import CorrelationId
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


@dataclass(frozen=True)
class Command:
    """An agent's command on one request, as a route receives it."""

    current: Document
    access: Access
    tracking: Tracking
    if_match: str | None
    response: Response
    correlation_id: str

    @property
    def agent_id(self) -> str:
        return self.access.agent.agent_id

    def check(self) -> None:
        """412 at once when the agent's version is stale (before the command's own checks)."""
        check(self.current, expected_version(self.if_match))

    async def load(self, request_id: str) -> Document:
        """Another request the command names, in the caller's own departments, else 404."""
        return await load(tracking=self.tracking, access=self.access, request_id=request_id)

    async def run(self, build: Build) -> ActionResult:
        return await run(
            tracking=self.tracking,
            access=self.access,
            current=self.current,
            if_match=self.if_match,
            build=build,
            response=self.response,
            correlation_id=self.correlation_id,
        )

    async def act(self, action: type[AgentAction], **fields: Any) -> ActionResult:
        """Run `action` by this agent, now, at the version they saw, with its own `fields`."""

        def build(doc: Document, expected: int | None) -> AgentAction:
            return action(
                request_id=doc["_id"],
                reference=doc["reference"],
                actor=self.agent_id,
                expected_version=expected,
                at=datetime.now(UTC),
                **fields,
            )

        return await self.run(build)


def command(*roles: Role, owner: bool = True) -> Callable[..., Awaitable[Command]]:
    """A FastAPI dependency: the `Command` of a caller with one of `roles` on the request of
    the path (in their own departments when `owner`, else also one they are consulted on)."""

    async def dependency(
        request_id: RequestIdPath,
        access: Annotated[Access, Depends(requiring(*roles))],
        tracking: Context,
        response: Response,
        correlation_id: CorrelationId,
        if_match: IfMatch = None,
    ) -> Command:
        current = await load(tracking=tracking, access=access, request_id=request_id, owner=owner)
        return Command(current, access, tracking, if_match, response, correlation_id)

    return dependency


WorkerCommand = Annotated[Command, Depends(command(*WORKERS))]
ManagerCommand = Annotated[Command, Depends(command(*MANAGERS))]
ForwarderCommand = Annotated[Command, Depends(command(*STAFF))]
StaffCommand = Annotated[Command, Depends(command(*STAFF, owner=False))]
