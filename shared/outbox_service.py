"""What the services writing their events through an outbox share (documents, payments):
their settings, runtime and outbox, the service's own database and its topics' names."""

from dataclasses import dataclass
from typing import Generic, TypeVar

from pymongo.asynchronous.database import AsyncDatabase

from shared.config import ServiceSettings
from shared.mongo import Document
from shared.outbox import Outbox
from shared.runtime import Runtime

S = TypeVar("S", bound=ServiceSettings)


@dataclass(frozen=True)
class OutboxService(Generic[S]):
    settings: S
    runtime: Runtime
    outbox: Outbox

    @property
    def db(self) -> AsyncDatabase[Document]:
        return self.runtime.db

    def topic(self, name: str) -> str:
        return self.settings.topic_prefix + name
