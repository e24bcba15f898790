"""The consumer side: every request event is projected onto tracking's database."""

from collections.abc import Callable
from functools import partial
from typing import Any

import structlog

from services.tracking import repository
from services.tracking.context import Tracking
from services.tracking.projection import PROJECTED_EVENTS
from shared.envelope import Envelope
from shared.kafka.consumer import Handlers

log = structlog.get_logger(__name__)


async def on_event(envelope: Envelope, *, tracking: Tracking) -> None:
    applied = await repository.apply_event(
        db=tracking.db, envelope=envelope, reopen_window=tracking.reopen_window
    )
    if not applied:
        log.info("event.already_applied", type=envelope.type)


def handlers(tracking: Tracking) -> Handlers:
    handle: Callable[[Envelope], Any] = partial(on_event, tracking=tracking)
    return dict.fromkeys(PROJECTED_EVENTS, handle)
