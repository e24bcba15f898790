"""Classification of mail: people, automatons, bounces; swept over real bounces (sisimai)."""

from pathlib import Path

import pytest

from services.email_adapter.bounces import read_bounce
from services.email_adapter.classify import Kind, Verdict, classify
from services.email_adapter.headers import all_headers, first_address
from services.email_adapter.parsing import parse_message, read_message
from tests.support import SISIMAI, needs_sisimai, sisimai_cases

BOUNCES = sorted((SISIMAI / "bsd").glob("*.eml"))
# One skipped case with the reason when the corpus is absent (an empty list would hide why).
BOUNCE_CASES = [pytest.param(p, id=p.name) for p in BOUNCES] or sisimai_cases(["bsd"])
DOMAINS = frozenset({"ville.example"})
HUMAN_HEADERS = (
    "From: Camille Martin <camille.martin@example.org>\n"
    "To: mairie@ville.example\n"
    "Message-ID: <a1@example.org>\n"
)


def _mail(extra: str = "", *, subject: str = "Nid-de-poule rue des Lilas", body: str = "") -> bytes:
    text = f"{HUMAN_HEADERS}Subject: {subject}\n{extra}\n{body or 'Bonjour, un trou.'}\n"
    return text.encode()


def _kind(raw: bytes, *, mail_from: str | None = "camille.martin@example.org") -> Kind:
    return classify(read_message(raw), mail_from=mail_from, domains=DOMAINS).kind


def _envelope_sender(raw: bytes) -> str:
    message = read_message(raw)
    paths = all_headers(message, "Return-Path")
    return paths[0] if paths else first_address(message, "From")[1] or "<>"


@needs_sisimai
def test_the_real_bounce_set_is_large_enough_to_mean_something() -> None:
    assert len(BOUNCES) > 600


@pytest.mark.parametrize("path", BOUNCE_CASES)
def test_no_real_bounce_or_auto_reply_passes_for_a_citizen(path: Path) -> None:
    raw = path.read_bytes()
    message = read_message(raw)
    for mail_from in (None, _envelope_sender(raw)):  # fetched over IMAP, or received by SMTP
        verdict = classify(message, mail_from=mail_from, domains=DOMAINS)
        assert verdict.kind in (Kind.AUTOMATIC, Kind.BOUNCE), (path.name, verdict)
    parse_message(message)  # reading every part never raises either
    report = read_bounce(message)
    assert report.reason.startswith("Courriel non distribué") and len(report.reason) <= 1000


@needs_sisimai
def test_ordinary_messages_of_the_set_are_people() -> None:
    for name in ("is-not-bounce-01.eml", "is-not-bounce-02.eml"):
        raw = (SISIMAI / "not" / name).read_bytes()
        assert _kind(raw, mail_from=_envelope_sender(raw)) == Kind.HUMAN, name
    rb = (SISIMAI / "not" / "rb-issue-368-bug.eml").read_bytes()
    assert _kind(rb, mail_from=None) == Kind.BOUNCE  # a postmaster report, despite its folder


@pytest.mark.parametrize(
    ("extra", "kind"),
    [
        ("", Kind.HUMAN),
        ("Auto-Submitted: no\n", Kind.HUMAN),
        ("Auto-Submitted: auto-generated\n", Kind.AUTOMATIC),
        ("Auto-Submitted: auto-replied\n", Kind.AUTOMATIC),
        ("Auto-Submitted: vacation\n", Kind.AUTOMATIC),
        ("Auto-Submitted: auto-replied (zimbra; vacation)\n", Kind.AUTOMATIC),
        ("X-Autoreply: yes\n", Kind.AUTOMATIC),
        ("X-Autorespond: yes\n", Kind.AUTOMATIC),
        ("Precedence: bulk\n", Kind.AUTOMATIC),
        ("Precedence: junk\n", Kind.AUTOMATIC),
        ("Precedence: list\n", Kind.AUTOMATIC),
        ("Precedence: auto_reply\n", Kind.AUTOMATIC),
        ("Precedence: first-class\n", Kind.HUMAN),
        ("X-Loop: someone@example.net\n", Kind.AUTOMATIC),
        ("List-Id: <infos.listes.example>\n", Kind.AUTOMATIC),
        ("List-Unsubscribe: <mailto:stop@listes.example>\n", Kind.AUTOMATIC),
        ("X-Auto-Response-Suppress: All\n", Kind.AUTOMATIC),
        ("X-Auto-Response-Suppress: DR, OOF, AutoReply\n", Kind.AUTOMATIC),
        ("X-MS-Exchange-Inbox-Rules-Loop: camille.martin@example.org\n", Kind.AUTOMATIC),
        ("X-Failed-Recipients: x@example.org\n", Kind.BOUNCE),
    ],
)
def test_header_signals(extra: str, kind: Kind) -> None:
    assert _kind(_mail(extra)) == kind


def test_our_own_loop_is_named() -> None:
    raw = _mail("X-Loop: relais@ville.example\n")
    verdict = classify(read_message(raw), mail_from="x@y.org", domains=DOMAINS)
    assert verdict == Verdict(Kind.AUTOMATIC, "X-Loop (our own loop)")


@pytest.mark.parametrize(
    ("subject", "kind"),
    [
        ("Réponse automatique : [2026-P000417] Votre demande", Kind.AUTOMATIC),
        ("Reponse automatique: absent", Kind.AUTOMATIC),
        ("Absence du bureau", Kind.AUTOMATIC),
        ("Out of Office: Conseil municipal", Kind.AUTOMATIC),
        ("Automatic reply: Inscription", Kind.AUTOMATIC),
        ("Auto-Reply: merci", Kind.AUTOMATIC),
        ("Lu : Votre demande", Kind.AUTOMATIC),
        ("Absence de ramassage des poubelles rue Haute", Kind.HUMAN),
        ("Réponse à votre courrier du 3 mars", Kind.HUMAN),
        ("Lu et approuvé : dossier de subvention", Kind.HUMAN),
        ("Re: Out of order: l'ascenseur de la mairie", Kind.HUMAN),
        ("Undelivered Mail Returned to Sender", Kind.HUMAN),  # from a person, nothing returned
    ],
)
def test_subjects(subject: str, kind: Kind) -> None:
    assert _kind(_mail(subject=subject)) == kind


def test_the_null_sender_marks_automatic_mail_by_smtp_or_by_return_path() -> None:
    assert _kind(_mail(), mail_from="<>") == Kind.AUTOMATIC
    assert _kind(_mail(), mail_from="") == Kind.AUTOMATIC
    assert _kind(_mail("Return-Path: <>\n"), mail_from=None) == Kind.AUTOMATIC
    assert _kind(_mail("Return-Path: <camille.martin@example.org>\n"), mail_from=None) == (
        Kind.HUMAN
    )
    assert _kind(_mail(subject="Undelivered Mail Returned to Sender"), mail_from="<>") == (
        Kind.BOUNCE
    )


@pytest.mark.parametrize(
    "sender",
    ["MAILER-DAEMON@mx.example.org", "postmaster@example.net", "Mail Delivery <MAILER-DAEMON>"],
)
def test_mailer_daemons_send_bounces(sender: str) -> None:
    raw = _mail(subject="Returned mail").replace(
        b"From: Camille Martin <camille.martin@example.org>", f"From: {sender}".encode()
    )
    assert _kind(raw) == Kind.BOUNCE


def test_robots_that_cannot_be_answered_are_automatic_unless_they_relay_a_person() -> None:
    raw = _mail().replace(b"camille.martin@example.org>", b"no-reply@service.example>")
    assert _kind(raw) == Kind.AUTOMATIC
    relayed = _mail("Reply-To: Camille <camille.martin@example.org>\n").replace(
        b"camille.martin@example.org>\nTo", b"ne-pas-repondre@formulaires.example>\nTo"
    )
    assert b"From: Camille Martin <ne-pas-repondre@" in relayed
    assert _kind(relayed) == Kind.HUMAN


@needs_sisimai
def test_a_citizen_forwarding_a_bounce_as_an_attachment_is_still_a_person() -> None:
    inner = (SISIMAI / "bsd" / "lhost-postfix-01.eml").read_text(errors="replace")
    raw = (
        f"{HUMAN_HEADERS}Subject: Mon courriel au maire ne passe pas\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\n'
        "Bonjour, mon message au maire est revenu, pouvez-vous le lui transmettre ?\n"
        f"--b\nContent-Type: message/rfc822\n\n{inner}\n--b--\n"
    ).encode()
    assert _kind(raw) == Kind.HUMAN
