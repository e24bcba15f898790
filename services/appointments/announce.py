"""Publishing appointment events: on the appointments topic, and on the request's topic
when the booking is linked to a request. Event ids are derived from the booking and its
version, so a retried publish is de-duplicated by consumers."""

from datetime import datetime
from typing import Protocol

from services.appointments.bookings import Booking
from services.appointments.settings import SOURCE
from shared.envelope import Envelope, encode
from shared.events.appointments import (
    AppointmentChange,
    AppointmentEvent,
    RequestAppointmentChanged,
)


class Publisher(Protocol):
    async def publish(self, envelope: Envelope, *, topic: str | None = None) -> int: ...

    async def send_raw(
        self,
        *,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        headers: list[tuple[str, bytes]],
    ) -> None: ...


class Announcer:
    def __init__(self, *, publisher: Publisher, topic: str) -> None:
        self.publisher = publisher
        self.topic = topic

    async def appointment(
        self, event: AppointmentEvent, *, event_id: str, correlation_id: str = ""
    ) -> None:
        """Publish and wait for Kafka's acknowledgement (BrokerUnavailable otherwise)."""
        envelope = Envelope(data=event, source=SOURCE, id=event_id, correlation_id=correlation_id)
        key, value, headers = encode(envelope)
        await self.publisher.send_raw(topic=self.topic, key=key, value=value, headers=headers)

    async def on_request(
        self,
        booking: Booking,
        *,
        change: AppointmentChange,
        start: datetime,
        actor: str,
        event_id: str,
        now: datetime,
        correlation_id: str = "",
    ) -> None:
        """Tell the request's timeline, when the booking is linked to one."""
        if booking.request is None:
            return
        event = RequestAppointmentChanged(
            request_id=booking.request.request_id,
            reference=booking.request.reference,
            booking_id=booking.booking_id,
            agenda_id=booking.agenda_id,
            title=booking.title,
            change=change,
            start=start,
            actor=actor,
            changed_at=now,
        )
        await self.publisher.publish(
            Envelope(
                data=event, source=SOURCE, id=f"{event_id}.request", correlation_id=correlation_id
            )
        )
