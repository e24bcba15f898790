"""The service's resources, kept on app.state and handed to routes as a dependency."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from services.payments.providers import Provider
from services.payments.settings import PaymentsSettings
from shared.outbox_service import OutboxService


@dataclass(frozen=True)
class Payments(OutboxService[PaymentsSettings]):
    provider: Provider


def _payments(request: Request) -> Payments:
    payments: Payments = request.app.state.payments
    return payments


Context = Annotated[Payments, Depends(_payments)]
