"""A raw message turned into what the adapter needs (stdlib `email`, default policy)."""

from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from services.email_adapter import signals
from services.email_adapter.headers import all_headers, first_address, header, message_ids
from services.email_adapter.parts import FilePart, body_and_files


class MalformedEmail(ValueError):
    """The bytes are not a message we can read; it goes to quarantine."""


@dataclass(frozen=True)
class ParsedEmail:
    message: EmailMessage
    message_id: str | None
    subject: str
    from_name: str
    from_address: str
    text: str
    files: list[FilePart] = field(default_factory=list)
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)


def read_message(raw: bytes) -> EmailMessage:
    """The message tree; raises MalformedEmail when there is no header at all."""
    if not raw.strip():
        raise MalformedEmail("empty message")
    # With policy.default the parser builds EmailMessage objects (typeshed says Message).
    message = BytesParser(_class=EmailMessage, policy=policy.default).parsebytes(raw)
    if not message.keys():
        raise MalformedEmail("no header section")
    return message


def parse(raw: bytes) -> ParsedEmail:
    return parse_message(read_message(raw))


def parse_message(message: EmailMessage, *, envelope_sender: str | None = None) -> ParsedEmail:
    """envelope_sender: the SMTP MAIL FROM, used when the From header names nobody."""
    name, address = first_address(message, "From")
    if signals.ROBOT_SENDER.match(address) and first_address(message, "Reply-To")[1]:
        name, address = first_address(message, "Reply-To")  # a form relaying a person
    if not address and envelope_sender and "@" in envelope_sender:
        address = envelope_sender.strip("<> ")
    text, files = body_and_files(message)
    ids = message_ids(header(message, "Message-ID"))
    return ParsedEmail(
        message=message,
        message_id=ids[0] if ids else None,
        subject=header(message, "Subject"),
        from_name=name,
        from_address=address,
        text=text,
        files=files,
        in_reply_to=message_ids(" ".join(all_headers(message, "In-Reply-To"))),
        references=message_ids(" ".join(all_headers(message, "References"))),
    )
