"""Base of the events of a domain stream keyed by something other than a request.

Documents and invoices live without a request; their events go to their own topics
(`relais.documents.v1`, `relais.payments.v1`), keyed by the document or invoice id so each
one's events stay in order in one partition.
"""

from typing import ClassVar

from shared.events.common import Contract


class StreamEvent(Contract):
    """An event of a domain topic; `key` names the record key and the CloudEvents subject."""

    event_type: ClassVar[str]
    key_field: ClassVar[str]

    @property
    def key(self) -> str:
        return str(getattr(self, self.key_field))
