"""The service's resources, kept on app.state and handed to routes as a dependency."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from pymongo.asynchronous.database import AsyncDatabase

from services.payments.providers import Provider
from services.payments.settings import PaymentsSettings
from shared.mongo import Document
from shared.outbox import Outbox
from shared.runtime import Runtime


@dataclass(frozen=True)
class Payments:
    settings: PaymentsSettings
    runtime: Runtime
    provider: Provider
    outbox: Outbox

    @property
    def db(self) -> AsyncDatabase[Document]:
        return self.runtime.db

    def topic(self, name: str) -> str:
        return self.settings.topic_prefix + name


def _payments(request: Request) -> Payments:
    payments: Payments = request.app.state.payments
    return payments


Context = Annotated[Payments, Depends(_payments)]
