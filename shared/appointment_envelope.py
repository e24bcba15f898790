"""Former names of the appointment codec, kept for importers not yet moved to
`shared.envelope` (`Envelope[AppointmentEvent]`, `encode`, `APPOINTMENT_CODEC.decode`)."""

from shared.envelope import APPOINTMENT_CODEC, Envelope, encode
from shared.events.appointments import AppointmentEvent

AppointmentEnvelope = Envelope[AppointmentEvent]
encode_appointment = encode
decode_appointment = APPOINTMENT_CODEC.decode
