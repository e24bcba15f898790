"""Which request a reply continues, only for its owner; replies without the quoted text."""

from pathlib import Path
from typing import Any

import pytest

from services.email_adapter.drafts import MailContent, follow_up
from services.email_adapter.parsing import parse
from services.email_adapter.threads import (
    replied_message_ids,
    request_continued,
    strip_reply_prefixes,
    subject_references,
)
from services.email_adapter.trimming import trim_reply

CORPUS = Path(__file__).parents[1] / "data" / "emails"


@pytest.mark.parametrize(
    ("subject", "stripped"),
    [
        ("Re: Demande", "Demande"),
        ("RE: RE: TR: Demande", "Demande"),
        ("RE[2]: [2026-P000417] Demande", "[2026-P000417] Demande"),
        ("Fwd: Fw: AW: WG: Demande", "Demande"),
        ("tr : Réf: Demande", "Demande"),
        ("Re(3): Demande", "Demande"),
        ("Reprise des travaux", "Reprise des travaux"),
        ("Trottoir : Re: x", "Trottoir : Re: x"),
    ],
)
def test_reply_prefixes_are_stripped(subject: str, stripped: str) -> None:
    assert strip_reply_prefixes(subject) == stripped


@pytest.mark.parametrize(
    ("subject", "references"),
    [
        ("Re: [2026-P000417] Votre demande", ["2026-P000417"]),
        ("RE[2]: 2025-E000042 et 2026-F000123", ["2025-E000042", "2026-F000123"]),
        ("Demande 2026-P0004170 (trop long)", []),
        ("Demande 2026-p000417 (minuscule)", []),
        ("Commande X2026-P000417", []),
        ("Sans référence", []),
    ],
)
def test_request_references_in_subjects(subject: str, references: list[str]) -> None:
    assert subject_references(subject) == references


def test_replied_ids_put_in_reply_to_first_then_the_latest_references() -> None:
    parsed = parse(
        b"From: a@example.org\nSubject: x\nMessage-ID: <m@x>\nIn-Reply-To: <c@x>\n"
        b"References: <a@x> <b@x>\n <c@x>\n\nbody\n"
    )
    assert replied_message_ids(parsed) == ["c@x", "b@x", "a@x"]


class FakeDirectory:
    def __init__(self) -> None:
        self.requests = {
            "2026-P000417": {"_id": "r1", "reference": "2026-P000417",
                             "citizen_email": "camille.martin@example.org"},
            "2025-E000042": {"_id": "r2", "reference": "2025-E000042",
                             "citizen_email": "jean.dupont@exemple.fr"},
        }  # fmt: skip
        self.links = {"notif-0a1b2c3d@ville.example": "2026-P000417"}

    async def by_reference(self, reference: str) -> dict[str, Any] | None:
        return self.requests.get(reference)

    async def by_message_id(self, message_id: str) -> dict[str, Any] | None:
        reference = self.links.get(message_id)
        return self.requests.get(reference) if reference else None


@pytest.mark.parametrize(
    ("name", "request_id"),
    [
        ("follow-up-re-subject.eml", "r1"),
        ("follow-up-RE2-case-insensitive-sender.eml", "r2"),
        ("follow-up-references-only.eml", "r1"),
        ("follow-up-aw-html-only.eml", "r1"),
        ("new-forged-subject-reference.eml", None),
        ("new-forged-in-reply-to.eml", None),
        ("new-unknown-reference.eml", None),
        ("new-utf8-quoted-printable.eml", None),
    ],
)
async def test_a_reply_continues_a_request_only_for_its_owner(
    name: str, request_id: str | None
) -> None:
    parsed = parse((CORPUS / name).read_bytes())
    found = await request_continued(directory=FakeDirectory(), parsed=parsed)  # type: ignore[arg-type]
    assert (found["_id"] if found else None) == request_id


async def test_a_foreign_reference_does_not_hide_the_senders_own_thread() -> None:
    parsed = parse(
        b"From: Camille <Camille.Martin@example.org>\nSubject: Re: [2025-E000042]\n"
        b"In-Reply-To: <notif-0a1b2c3d@ville.example>\n\nMerci\n"
    )
    found = await request_continued(directory=FakeDirectory(), parsed=parsed)  # type: ignore[arg-type]
    assert found is not None and found["_id"] == "r1"


@pytest.mark.parametrize(
    ("text", "trimmed"),
    [
        ("Merci.\n\nLe lun. 12 janv. 2026 à 10:02, Mairie <m@ville.example> a écrit :\n> x",
         "Merci."),
        ("Thanks\nOn Mon, Jan 12, 2026 at 10:02 AM Mairie <m@ville.example> wrote:\n> x",
         "Thanks"),
        ("Ok\n-----Message d'origine-----\nDe : Mairie\n", "Ok"),
        ("Ok\n-----Original Message-----\nFrom: x\n", "Ok"),
        ("Ok\n________________________________\nDe : Mairie <m@ville.example>\n", "Ok"),
        ("Bien reçu.\n\n-- \nCamille Martin\n06 12 34 56 78", "Bien reçu."),
        ("Réponse\n\n> citation\n> suite", "Réponse"),
        ("> tout est cité\n> rien d'autre", "> tout est cité\n> rien d'autre"),
        ("De : la part de mon voisin, merci", "De : la part de mon voisin, merci"),
    ],
)  # fmt: skip
def test_trimming_keeps_only_what_is_new(text: str, trimmed: str) -> None:
    assert trim_reply(text) == trimmed


def test_a_reply_that_quotes_its_status_link_does_not_carry_the_code_further() -> None:
    raw = (
        b"From: Camille <camille@example.org>\r\nTo: demandes@ville.example\r\n"
        b"Subject: Re: Demande 2026-E000007\r\nMessage-ID: <r1@example.org>\r\n\r\n"
        b"Le lien https://demarches.ville.example/suivi/2026-E000007?code=1AbCdEfGhIjKlMnOpQrStUvW"
        b" ne marche pas chez moi.\r\n"
    )
    mail = MailContent(
        parsed=parse(raw), message_id="<r1@example.org>", attachments=[], note="", raw_ref="r"
    )
    event = follow_up(request_id="r-1", reference="2026-E000007", mail=mail)
    assert "1AbCdEf" not in event.text
    assert "/suivi/2026-E000007?code=[redacted] ne marche pas" in event.text
