"""Agents' public words reach the citizen by email once; internal notes never do."""

from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from shared.envelope import Envelope
from shared.events import (
    AgentReplied,
    CitizenAsked,
    InternalNoteAdded,
    NotificationSent,
    RequestMerged,
    RequestSubmitted,
)
from tests.factories import envelope, routed_for, submitted
from tests.harness import Harness
from tests.notification_support import FakeMailer, wired

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def _harness(mailer: FakeMailer) -> Harness:
    return wired(mailer).harness


def _action(kind: type[Any], request: RequestSubmitted, **fields: Any) -> Envelope[Any]:
    common = {"request_id": request.request_id, "reference": request.reference}
    return envelope(kind(**common, actor="agent-1", at=NOW, **fields))


def _text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def _html(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


async def _known_request(harness: Harness) -> RequestSubmitted:
    request = submitted()
    await harness.feed(envelope(request), envelope(routed_for(request)))
    return request


async def test_agent_reply_is_sent_once_with_its_text_in_the_thread() -> None:
    mailer = FakeMailer()
    harness = _harness(mailer)
    request = await _known_request(harness)
    reply = _action(AgentReplied, request, text="Le trou sera rebouché jeudi.\nMerci <b>!</b>")
    await harness.feed(reply)
    await harness.feed(reply)  # redelivered: nothing sent nor published again

    acknowledgement, sent = mailer.sent
    assert len(mailer.sent) == 2
    assert "réponse du service" in sent["Subject"]
    assert "Le trou sera rebouché jeudi." in _text(sent)
    assert "Merci &lt;b&gt;!&lt;/b&gt;" in _html(sent)  # the agent's text is escaped in HTML
    assert sent["In-Reply-To"] == acknowledgement["Message-ID"]
    outcomes = [
        o for o in harness.publisher.of_type(NotificationSent) if o.causation_id == reply.id
    ]
    assert [o.data.template for o in outcomes] == ["agent_reply"]
    assert outcomes[0].data.message_id == sent["Message-ID"]


async def test_request_for_information_says_what_is_missing_and_that_the_request_waits() -> None:
    mailer = FakeMailer()
    harness = _harness(mailer)
    request = await _known_request(harness)
    asked = _action(CitizenAsked, request, text="Pouvez-vous préciser le numéro de la rue ?")
    await harness.feed(asked)

    sent = mailer.sent[-1]
    assert "complément demandé" in sent["Subject"]
    assert "Pouvez-vous préciser le numéro de la rue ?" in _text(sent)
    assert "en attente de votre réponse" in _text(sent)
    templates = [o.data.template for o in harness.publisher.of_type(NotificationSent)]
    assert templates == ["acknowledgement", "citizen_asked"]


async def test_the_duplicate_s_citizen_is_told_where_the_request_goes_on() -> None:
    mailer = FakeMailer()
    harness = _harness(mailer)
    request = await _known_request(harness)
    merged = _action(
        RequestMerged, request, kept_request_id="b" * 32, kept_reference="2026-K000042"
    )
    await harness.feed(merged, merged)

    assert len(mailer.sent) == 2
    sent = mailer.sent[-1]
    assert sent["To"].addresses[0].addr_spec == request.citizen.email
    assert "2026-K000042" in sent["Subject"]
    assert "close" in _text(sent) and "2026-K000042" in _text(sent)
    templates = [o.data.template for o in harness.publisher.of_type(NotificationSent)]
    assert templates == ["acknowledgement", "request_merged"]


async def test_an_internal_note_is_never_rendered_nor_sent() -> None:
    mailer = FakeMailer()
    harness = _harness(mailer)
    request = await _known_request(harness)
    secret = "Voisin procédurier, ne pas lui répondre avant l'avis juridique."
    note = _action(InternalNoteAdded, request, text=secret)
    await harness.feed(note, note)

    assert len(mailer.sent) == 1  # the acknowledgement only
    assert all(secret not in _text(m) for m in mailer.sent)
    assert all(o.causation_id != note.id for o in harness.publisher.published)
    assert harness.dead_letters == []
