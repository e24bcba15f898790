"""What the routes need, kept on app.state and handed out as FastAPI dependencies."""

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Path
from pymongo.asynchronous.database import AsyncDatabase

from services.tracking.outcomes import Waiters
from services.tracking.settings import TrackingSettings
from services.tracking.staff import Directory
from shared.http import app_state
from shared.kafka.producer import EventPublisher
from shared.mongo import Document
from shared.runtime import Runtime


@dataclass(frozen=True)
class Tracking:
    settings: TrackingSettings
    runtime: Runtime
    department_labels: dict[str, str]
    waiters: Waiters = field(default_factory=Waiters)
    directory: Directory = field(default_factory=Directory)

    @property
    def db(self) -> AsyncDatabase[Document]:
        return self.runtime.db

    @property
    def publisher(self) -> EventPublisher:
        return self.runtime.publisher

    @property
    def reopen_window(self) -> timedelta:
        return timedelta(days=self.settings.reopen_window_days)


Context = Annotated[Tracking, Depends(app_state("tracking"))]
RequestIdPath = Annotated[str, Path(max_length=64, description="Identifiant interne")]
