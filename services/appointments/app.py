"""Appointments: agendas, free slots, bookings without double booking, for citizens and agents."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from zoneinfo import ZoneInfo

import structlog
from fastapi import FastAPI

from services.appointments import agents, public, requests_view
from services.appointments.announce import Announcer
from services.appointments.booker import Booker
from services.appointments.context import Appointments
from services.appointments.settings import DEV_CODE_SECRET, AppointmentsSettings
from services.appointments.store import ensure_indexes
from services.appointments.sweep import sweep_forever
from shared.auth import DEV_SECRET
from shared.http import create_app
from shared.kafka.topics import APPOINTMENTS
from shared.runtime import Runtime

log = structlog.get_logger(__name__)


def build_app(settings: AppointmentsSettings | None = None) -> FastAPI:
    settings = settings or AppointmentsSettings()
    runtime = Runtime.create(settings)
    booker = Booker(
        db=runtime.db,
        announcer=Announcer(
            publisher=runtime.publisher, topic=settings.topic_prefix + APPOINTMENTS
        ),
        tz=ZoneInfo(settings.timezone),
        code_secret=settings.booking_code_secret,
        lease=timedelta(seconds=settings.booking_lease_s),
    )
    runtime.consume(group="appointments", handlers=requests_view.handlers.bind(db=runtime.db))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        _warn_dev_secrets(settings)
        await ensure_indexes(db=runtime.db)
        await runtime.start()
        # The first pass at start-up rolls back what a killed process left pending.
        sweeper = asyncio.create_task(
            sweep_forever(
                booker,
                interval_s=settings.sweep_interval_s,
                reminder_ahead=timedelta(hours=settings.reminder_hours),
            ),
            name="sweep",
        )
        log.info("service.started", port=settings.http_port)
        try:
            yield
        finally:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
            await runtime.stop()

    app = create_app(
        title="Relais rendez-vous",
        description="Prise de rendez-vous en mairie : agendas par service et par motif, "
        "créneaux libres, réservation avec un code pour déplacer ou annuler, listes du jour "
        "et de la semaine pour les agents, présences et absences, statistiques.",
        lifespan=lifespan,
        readiness=[runtime.database_ready, runtime.consumers_ready],
        max_body_bytes=settings.max_json_bytes,
    )
    app.state.appointments = Appointments(settings=settings, db=runtime.db, booker=booker)
    app.state.agent_jwt_secret = settings.agent_jwt_secret
    app.include_router(public.router)
    app.include_router(agents.router)
    return app


def _warn_dev_secrets(settings: AppointmentsSettings) -> None:
    if settings.agent_jwt_secret == DEV_SECRET:
        log.warning("appointments.dev_agent_secret", hint="set AGENT_JWT_SECRET in production")
    if settings.booking_code_secret == DEV_CODE_SECRET:
        log.warning("appointments.dev_code_secret", hint="set BOOKING_CODE_SECRET")
