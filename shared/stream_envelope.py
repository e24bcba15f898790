"""The events of a domain stream (documents, payments, billing), keyed by the event's own key:
the names their consumers use for `shared.envelope`'s one codec."""

from collections.abc import Callable, Mapping

from shared.envelope import Codec, Envelope, KafkaRecord
from shared.events.stream import StreamEvent

StreamEnvelope = Envelope


def stream_decoder(
    models: Mapping[str, type[StreamEvent]],
) -> Callable[[KafkaRecord], Envelope[StreamEvent]]:
    """A consumer's decoder for a stream whose event types are `models` (by `ce_type`)."""
    return Codec[StreamEvent](models, check_key=False).decode
