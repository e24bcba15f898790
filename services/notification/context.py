"""What the routes need, kept on app.state and handed out as a FastAPI dependency."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from jinja2 import Environment

from services.notification.preferences import OptOutTokens, Preferences


@dataclass(frozen=True)
class NotificationContext:
    preferences: Preferences
    tokens: OptOutTokens
    templates: Environment
    town_name: str


def _context(request: Request) -> NotificationContext:
    context: NotificationContext = request.app.state.notification
    return context


Notification = Annotated[NotificationContext, Depends(_context)]
