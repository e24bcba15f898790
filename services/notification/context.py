"""The resources the mail room's routes share, as an `Annotated` FastAPI dependency."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from pymongo.asynchronous.database import AsyncDatabase

from services.notification.settings import NotificationSettings
from shared.mongo import Document


@dataclass(frozen=True)
class Notification:
    settings: NotificationSettings
    db: AsyncDatabase[Document]


def _notification(request: Request) -> Notification:
    notification: Notification = request.app.state.notification
    return notification


Context = Annotated[Notification, Depends(_notification)]
