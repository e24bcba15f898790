"""Is this mail from a person, an automaton (auto-reply, list, robot) or a bounce? (pure)"""

from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from enum import StrEnum

from services.email_adapter import signals
from services.email_adapter.headers import all_headers, first_address, header


class Kind(StrEnum):
    HUMAN = "human"
    AUTOMATIC = "automatic"
    BOUNCE = "bounce"


@dataclass(frozen=True)
class Verdict:
    kind: Kind
    reason: str


def own_parts(msg: Message) -> Iterator[Message]:
    """The message's parts, without descending into messages it carries."""
    yield msg
    if msg.get_content_type().startswith("multipart/") and isinstance(msg.get_payload(), list):
        for part in msg.get_payload():
            if isinstance(part, Message):
                yield from own_parts(part)


def _types(msg: Message) -> set[str]:
    return {part.get_content_type() for part in own_parts(msg)}


def _daemon_sender(msg: Message) -> bool:
    return any(signals.DAEMON_SENDER.search(v) for v in all_headers(msg, "From"))


def _forwarded_bounce(msg: Message) -> bool:
    subject = header(msg, "Subject")
    forwarded = signals.FORWARD_PREFIX.match(subject)
    if not forwarded or not signals.BOUNCE_SUBJECT.match(subject[forwarded.end() :]):
        return False
    texts = [p for p in own_parts(msg) if p.get_content_maintype() == "text"]
    text = " ".join(str(p.get_payload()) for p in texts)
    return bool(signals.DAEMON_SENDER.search(text))


def bounce_reason(msg: Message, *, null_sender: bool) -> str | None:
    if _types(msg) & signals.DSN_TYPES:
        return "delivery-status report"
    if header(msg, "X-Failed-Recipients"):
        return "X-Failed-Recipients"
    if _daemon_sender(msg):
        return "mailer-daemon sender"
    if signals.BOUNCE_SUBJECT.match(header(msg, "Subject")) and (
        null_sender or _types(msg) & signals.RETURNED_TYPES
    ):
        return "bounce subject"
    if _forwarded_bounce(msg):
        return "forwarded bounce"
    robot = signals.ROBOT_SENDER.match(first_address(msg, "From")[1])
    if (null_sender or robot) and _types(msg) & signals.RETURNED_TYPES:
        return "message returned by an automaton"
    return None


def automatic_reason(msg: Message, *, null_sender: bool, domains: frozenset[str]) -> str | None:
    auto = header(msg, "Auto-Submitted").split(";")[0].strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    if (precedence := header(msg, "Precedence").lower()) in signals.AUTOMATIC_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in signals.PRESENCE_HEADERS:
        if value := header(msg, name):
            ours = name == "X-Loop" and any(d in value.lower() for d in domains)
            return f"{name} (our own loop)" if ours else name
    if listed := next((k for k, _ in msg.raw_items() if signals.LIST_HEADER.match(k)), None):
        return f"mailing list ({listed})"
    if signals.AUTO_RESPONSE_SUPPRESS.search(header(msg, "X-Auto-Response-Suppress")):
        return "X-Auto-Response-Suppress"
    return _automatic_by_shape(msg, null_sender=null_sender)


def _automatic_by_shape(msg: Message, *, null_sender: bool) -> str | None:
    if null_sender:
        return "empty return path"
    if msg.get_content_type() == "multipart/report":
        return "report"
    subject = header(msg, "Subject")
    if signals.OUT_OF_OFFICE_SUBJECT.match(subject):
        return "out-of-office subject"
    if signals.REPORT_SUBJECT.match(subject):
        return "report subject"
    robot = signals.ROBOT_SENDER.match(first_address(msg, "From")[1])
    if robot and not first_address(msg, "Reply-To")[1]:  # forms relay people via Reply-To
        return "no-reply sender"
    return None


def classify(msg: Message, *, mail_from: str | None, domains: frozenset[str]) -> Verdict:
    """mail_from: the SMTP envelope sender (None when unknown, e.g. fetched over IMAP)."""
    null_sender = _is_null(mail_from) if mail_from is not None else _null_return_path(msg)
    if reason := bounce_reason(msg, null_sender=null_sender):
        return Verdict(Kind.BOUNCE, reason)
    if reason := automatic_reason(msg, null_sender=null_sender, domains=domains):
        return Verdict(Kind.AUTOMATIC, reason)
    return Verdict(Kind.HUMAN, "no automatic signal")


def _is_null(mail_from: str) -> bool:
    return mail_from.strip() in {"", "<>"}


def _null_return_path(msg: Message) -> bool:
    paths = all_headers(msg, "Return-Path")
    return bool(paths) and all(_is_null(v) for v in paths)
