"""Notification: tells citizens on their channel that their request was received and how it
moves; confirms and reminds their appointments and sends payment receipts, through the same
outbox."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import structlog
from fastapi import FastAPI
from jinja2 import Environment
from pymongo.asynchronous.database import AsyncDatabase

from services.notification import letters
from services.notification.appointments import AppointmentNotices
from services.notification.channels.base import Channel
from services.notification.channels.chatbot import chatbot_channel
from services.notification.channels.email import EmailChannel, SinkMailer, Transport
from services.notification.channels.facebook import messenger_channel
from services.notification.channels.postal import PostalChannel
from services.notification.channels.sink import Sink
from services.notification.contacts import Contacts
from services.notification.context import NotificationContext
from services.notification.delivery import Delivery
from services.notification.direct import DirectNotices
from services.notification.handlers import Notifier
from services.notification.ledger import Outbox
from services.notification.preferences import OptOutTokens, Preferences
from services.notification.receipts import ReceiptNotices
from services.notification.rendering import environment
from services.notification.routes import router
from services.notification.settings import DEV_OPT_OUT_SECRET, NotificationSettings
from services.notification.sms_wiring import mount_sms, sms_channel_for
from services.notification.smtp import SmtpMailer
from shared.envelope import APPOINTMENT_CODEC, stream_codec
from shared.events.payments import PAYMENT_EVENT_MODELS
from shared.http import create_app
from shared.kafka.consumer import RetryPolicy
from shared.kafka.producer import EventPublisher
from shared.kafka.topics import APPOINTMENTS, PAYMENTS
from shared.mongo import Document
from shared.runtime import Runtime, lifespan_for

log = structlog.get_logger(__name__)


def mailer_for(settings: NotificationSettings) -> SmtpMailer:
    return SmtpMailer(
        host=settings.smtp_host,
        port=settings.smtp_port,
        timeout_s=settings.smtp_timeout_s,
        starttls=settings.smtp_starttls,
        user=settings.smtp_user,
        password=settings.smtp_password.get_secret_value(),
    )


def channels_for(
    settings: NotificationSettings,
    *,
    db: AsyncDatabase[Document],
    templates: Environment,
    email_transport: Transport | None = None,
) -> dict[str, Channel]:
    """The channels the town uses (`CHANNELS`), by name; a citizen preferring another one is
    reported, not sent. Only those are built, so an unused one needs no settings."""

    def email() -> Channel:
        transport = email_transport or (
            SinkMailer(Sink(db=db, channel="email"))
            if settings.email_transport == "sink"
            else mailer_for(settings)
        )
        return EmailChannel(transport=transport, settings=settings, templates=templates)

    factories: dict[str, Callable[[], Channel]] = {
        "email": email,
        "postal": lambda: PostalChannel(db=db, settings=settings, templates=templates),
        "sms": lambda: sms_channel_for(settings, db=db),
        "facebook": lambda: messenger_channel(
            settings, db=db, templates_dir=settings.templates_dir
        ),
        "chatbot": lambda: chatbot_channel(settings, db=db, templates_dir=settings.templates_dir),
    }
    return {name: build() for name, build in factories.items() if name in settings.channels}


def assemble(
    settings: NotificationSettings,
    *,
    db: AsyncDatabase[Document],
    publisher: EventPublisher,
    templates: Environment,
    email_transport: Transport | None = None,
    extra: Sequence[Channel] = (),
) -> Notifier:
    """The notifier and its parts; `email_transport` and `extra` channels replace the
    configured ones (tests, bench)."""
    channels = channels_for(settings, db=db, templates=templates, email_transport=email_transport)
    channels |= {channel.name: channel for channel in extra}
    contacts, preferences = Contacts(db=db), Preferences(db=db)
    delivery = Delivery(
        outbox=Outbox(db=db, lease_s=settings.outbox_lease_s),
        channels=channels,
        preferences=preferences,
        contacts=contacts,
        publisher=publisher,
        settings=settings,
    )
    return Notifier(
        delivery=delivery,
        contacts=contacts,
        preferences=preferences,
        tokens=OptOutTokens(settings.opt_out_secret.get_secret_value()),
        settings=settings,
    )


def with_sweeper(
    runtime: Runtime, delivery: Delivery
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The runtime's lifespan, plus the outbox sweeper running beside the consumers."""
    inner = lifespan_for(runtime)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with inner(app):
            with contextlib.suppress(Exception):
                await delivery.outbox.ensure_indexes()
            stop = asyncio.Event()
            sweeper = asyncio.create_task(delivery.run_sweeper(stop), name="outbox-sweeper")
            try:
                yield
            finally:
                stop.set()
                await sweeper

    return lifespan


def build_app(settings: NotificationSettings | None = None) -> FastAPI:
    settings = settings or NotificationSettings()
    if settings.opt_out_secret.get_secret_value() == DEV_OPT_OUT_SECRET:
        log.warning("settings.development_secret", variable="OPT_OUT_SECRET")
    settings.warn_dev_tracking_secret()
    runtime = Runtime.create(settings)
    templates = environment(settings.templates_dir)
    notifier = assemble(settings, db=runtime.db, publisher=runtime.publisher, templates=templates)
    runtime.consume(
        group="notification",
        handlers=notifier.handlers(),
        retry=RetryPolicy(max_delay_s=settings.retry_max_delay_s),
    )
    direct = DirectNotices(
        delivery=notifier.delivery,
        preferences=notifier.preferences,
        opt_out_url=notifier.opt_out_url,
    )
    appointments = AppointmentNotices(
        db=runtime.db, notices=direct, contacts=notifier.contacts, settings=settings
    )
    runtime.consume(
        group="notification-appointments",
        handlers=appointments.handlers(),
        retry=RetryPolicy(max_delay_s=settings.retry_max_delay_s),
        topic=APPOINTMENTS,
        decoder=APPOINTMENT_CODEC.decode,
    )
    receipts = ReceiptNotices(db=runtime.db, notices=direct, settings=settings)
    runtime.consume(
        group="notification-receipts",
        handlers=receipts.handlers(),
        retry=RetryPolicy(max_delay_s=settings.retry_max_delay_s),
        topic=PAYMENTS,
        decoder=stream_codec(PAYMENT_EVENT_MODELS).decode,
    )
    app = create_app(
        title="Relais notification",
        description="Informe les habitants sur le canal de leur choix (courriel, et les autres "
        "canaux configurés) : accusé de réception de leur demande, changements de statut, "
        "réponses et sollicitations des agents, regroupement ; confirmation et rappel de leurs "
        "rendez-vous (.ics). Page « Ne plus recevoir de messages » de chaque moyen de contact.",
        lifespan=with_sweeper(runtime, notifier.delivery),
        readiness=[runtime.database_ready, runtime.consumers_ready],
    )
    app.state.notification = NotificationContext(
        preferences=notifier.preferences,
        tokens=OptOutTokens(settings.opt_out_secret.get_secret_value()),
        templates=templates,
        town_name=settings.town_name,
    )
    app.state.notifier = notifier
    app.include_router(router)
    letters.install(app, settings=settings, db=runtime.db)
    mount_sms(
        app,
        settings=settings,
        db=runtime.db,
        publisher=runtime.publisher,
        preferences=notifier.preferences,
    )
    return app
