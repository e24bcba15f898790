"""The SMS channel and its webhooks, wired from the settings (sink or HTTP gateway)."""

import structlog
from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase

from services.notification.channels.sms import SmsChannel
from services.notification.channels.sms_gateway import SmsGateway, SmsHttpGateway
from services.notification.channels.sms_settings import DEV_SMS_WEBHOOK_SECRET
from services.notification.channels.sms_sink import SmsSink
from services.notification.channels.sms_store import SmsMessages, SmsOptOuts
from services.notification.preferences import Preferences
from services.notification.settings import NotificationSettings
from services.notification.sms_reports import SmsReports
from services.notification.sms_webhooks import router
from shared.kafka.producer import Publisher
from shared.mongo import Document

log = structlog.get_logger(__name__)


def sms_gateway_for(settings: NotificationSettings, *, db: AsyncDatabase[Document]) -> SmsGateway:
    if settings.sms_gateway == "sink":
        return SmsSink(db=db)
    return SmsHttpGateway(
        url=settings.sms_gateway_url,
        api_key=settings.sms_api_key.get_secret_value(),
        auth=settings.sms_auth,
        timeout_s=settings.sms_timeout_s,
    )


def sms_channel_for(
    settings: NotificationSettings,
    *,
    db: AsyncDatabase[Document],
    gateway: SmsGateway | None = None,
) -> SmsChannel:
    return SmsChannel(
        gateway=gateway or sms_gateway_for(settings, db=db),
        opt_outs=SmsOptOuts(db=db),
        messages=SmsMessages(db=db),
        quiet_hours=settings.sms_quiet_hours(settings.timezone),
        sender=settings.sms_sender,
        callback_url=settings.sms_callback_url,
        town_name=settings.town_name,
        status_url=settings.status_url,
        max_segments=settings.sms_max_segments,
        stop_number=settings.sms_stop_number,
    )


def mount_sms(
    app: FastAPI,
    *,
    settings: NotificationSettings,
    db: AsyncDatabase[Document],
    publisher: Publisher,
    preferences: Preferences | None = None,
) -> SmsChannel:
    """Serve /v1/sms/inbound and /v1/sms/reports on `app`; the channel for the notifier."""
    if settings.sms_webhook_secret.get_secret_value() == DEV_SMS_WEBHOOK_SECRET:
        log.warning("notification.dev_secret", hint="set SMS_WEBHOOK_SECRET in production")
    app.state.sms_reports = SmsReports(
        opt_outs=SmsOptOuts(db=db),
        messages=SmsMessages(db=db),
        publisher=publisher,
        webhook_secret=settings.sms_webhook_secret.get_secret_value(),
        preferences=preferences,
    )
    app.include_router(router)
    return sms_channel_for(settings, db=db)
