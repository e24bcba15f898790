"""The resources the mail room's routes share, and who may use them, as `Annotated`
FastAPI dependencies."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from pymongo.asynchronous.database import AsyncDatabase

from services.notification.settings import NotificationSettings
from shared.auth import Agent, CurrentAgent
from shared.mongo import Document
from shared.problems import ProblemError

ADMIN = "admin"


@dataclass(frozen=True)
class Notification:
    settings: NotificationSettings
    db: AsyncDatabase[Document]


def _notification(request: Request) -> Notification:
    notification: Notification = request.app.state.notification
    return notification


Context = Annotated[Notification, Depends(_notification)]


def _mailroom_agent(agent: CurrentAgent, ctx: Context) -> Agent:
    """Letters print names, addresses and tracking codes: the mail room's department only."""
    department = ctx.settings.mailroom_department
    if agent.department != department and ADMIN not in agent.roles:
        raise ProblemError(403, f"Le courrier est réservé au service {department}.")
    return agent


MailroomAgent = Annotated[Agent, Depends(_mailroom_agent)]
