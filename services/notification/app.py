"""Notification: tells citizens by email that their request was received and how it moves."""

from fastapi import FastAPI

from services.notification.appointments import AppointmentMails
from services.notification.handlers import Notifier
from services.notification.settings import NotificationSettings
from services.notification.sms_wiring import mount_sms
from services.notification.smtp import SmtpMailer
from shared.appointment_envelope import decode_appointment
from shared.http import create_app
from shared.kafka.consumer import RetryPolicy
from shared.kafka.topics import APPOINTMENTS
from shared.runtime import Runtime, lifespan_for


def mailer_for(settings: NotificationSettings) -> SmtpMailer:
    return SmtpMailer(
        host=settings.smtp_host,
        port=settings.smtp_port,
        timeout_s=settings.smtp_timeout_s,
        starttls=settings.smtp_starttls,
        user=settings.smtp_user,
        password=settings.smtp_password.get_secret_value(),
    )


def build_app(settings: NotificationSettings | None = None) -> FastAPI:
    settings = settings or NotificationSettings()
    runtime = Runtime.create(settings)
    mailer = mailer_for(settings)
    notifier = Notifier(
        db=runtime.db, publisher=runtime.publisher, mailer=mailer, settings=settings
    )
    runtime.consume(
        group="notification",
        handlers=notifier.handlers(),
        retry=RetryPolicy(max_delay_s=settings.retry_max_delay_s),
    )
    mails = AppointmentMails(db=runtime.db, mailer=mailer, settings=settings)
    runtime.consume(
        group="notification-appointments",
        handlers=mails.handlers(),
        retry=RetryPolicy(max_delay_s=settings.retry_max_delay_s),
        topic=APPOINTMENTS,
        decoder=decode_appointment,
    )
    app = create_app(
        title="Relais notification",
        description="Informe les habitants par courriel : accusé de réception de leur demande, "
        "changements de statut, réponses et sollicitations des agents, regroupement ; "
        "confirmation et rappel de leurs rendez-vous (.ics).",
        lifespan=lifespan_for(runtime),
        readiness=[runtime.database_ready, runtime.consumers_ready],
    )
    # The channel is handed to the notifier once it sends by channel (see README, SMS).
    mount_sms(app, settings=settings, db=runtime.db, publisher=runtime.publisher)
    return app
