"""Postal letters: the PDF's text read back, the window envelope's block, refused addresses."""

import io
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined
from pypdf import PdfReader

from services.notification.channels.base import ContactPoint, Notice, PermanentError
from services.notification.channels.postal import (
    TEMPLATES_DIR,
    compose,
    french_date,
    letterhead,
)
from services.notification.letter import WINDOW_X, WINDOW_Y, render
from services.notification.letters import merge
from services.notification.settings import NotificationSettings

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
MM = 72 / 25.4
A4_HEIGHT_PT = 297 * MM
SETTINGS = NotificationSettings(
    town_name="Saint-Étienne-du-Rouvray",
    public_status_url="https://ville.example/suivi/{reference}?code={code}",
)
HOME = ContactPoint(
    channel="postal",
    address="Résidence Les Érables, bât. B\n12 rue des Lilas\n76800 SAINT-ÉTIENNE-DU-ROUVRAY",
    name="Joëlle Lefèvre",
)


def notice(template: str = "acknowledgement", **context: Any) -> Notice:
    return Notice(
        key="evt-1:citizen:postal",
        request_id="req-1",
        reference="2026-C000042",
        template=template,
        context={"department": "Voirie et propreté", "due_date": "vendredi 11 décembre 2026"}
        | context,
        created_at=datetime(2026, 12, 1, 23, 30, tzinfo=UTC),  # 2 December in Paris
    )


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_letter_says_who_what_when_in_french_with_every_accent() -> None:
    letter = compose(notice(), HOME, settings=SETTINGS)
    printed = render(letter, head=letterhead(SETTINGS))
    text = text_of(printed.pdf)
    assert printed.pages == 1
    for expected in (
        "Mairie de Saint-Étienne-du-Rouvray",
        "Joëlle Lefèvre",
        "Résidence Les Érables, bât. B",
        "76800 SAINT-ÉTIENNE-DU-ROUVRAY",
        "Saint-Étienne-du-Rouvray, le 2 décembre 2026",
        "Objet : Accusé de réception de votre demande",
        "Référence : 2026-C000042",
        "Service en charge : Voirie et propreté",
        "https://ville.example/suivi/2026-C000042",
        "le code de suivi qui vous a été remis",
        "salutations distinguées",
    ):
        assert expected in text, expected


def test_the_recipient_sits_in_the_dl_envelope_window() -> None:
    printed = render(compose(notice(), HOME, settings=SETTINGS), head=letterhead(SETTINGS))
    found: dict[str, tuple[float, float]] = {}

    def visit(text: str, _cm: Any, tm: list[float], _font: Any, _size: Any) -> None:
        if text.strip():
            found.setdefault(text.strip(), (tm[4], tm[5]))

    PdfReader(io.BytesIO(printed.pdf)).pages[0].extract_text(visitor_text=visit)
    x, y = found["Joëlle Lefèvre"]
    from_top_mm = (A4_HEIGHT_PT - y) / MM
    assert WINDOW_X <= x / MM <= WINDOW_X + 10  # window: 90 to 190 mm from the left
    assert WINDOW_Y <= from_top_mm <= WINDOW_Y + 35
    x, y = found["76800 SAINT-ÉTIENNE-DU-ROUVRAY"]
    assert (A4_HEIGHT_PT - y) / MM <= WINDOW_Y + 35


def test_a_first_letter_carries_the_tracking_code_and_how_to_use_it() -> None:
    letter = compose(notice(tracking_code="K7P2-QX9M"), HOME, settings=SETTINGS)
    text = text_of(render(letter, head=letterhead(SETTINGS)).pdf)
    assert "Votre code de suivi : K7P2-QX9M" in text
    assert "saisissez la référence 2026-C000042 et ce code" in " ".join(text.split())


def test_without_dejavu_core_fonts_keep_latin1_accents(tmp_path: Path) -> None:
    head = replace(letterhead(SETTINGS), font_dir=tmp_path)  # no TTF there
    letter = compose(notice(), replace(HOME, name="Joëlle Lefèvre – Œuvre"), settings=SETTINGS)
    text = text_of(render(letter, head=head).pdf)
    assert "Joëlle Lefèvre ? ?uvre" in text  # outside latin-1: '?', never an error
    assert "le 2 décembre 2026" in text and "Référence : 2026-C000042" in text


@pytest.mark.skipif(not (DEJAVU / "DejaVuSans.ttf").is_file(), reason="fonts-dejavu-core absent")
def test_dejavu_keeps_what_latin1_cannot() -> None:
    letter = compose(notice(), replace(HOME, name="Joëlle Lefèvre – Œuvre"), settings=SETTINGS)
    assert "Joëlle Lefèvre – Œuvre" in text_of(render(letter, head=letterhead(SETTINGS)).pdf)


def test_each_template_renders_its_subject_and_the_notices_text() -> None:
    cases = {
        "status_changed": ({"status_label": "traitée", "comment": "Rebouché."}, "Rebouché."),
        "agent_reply": ({"text": "Nous passons jeudi."}, "Nous passons jeudi."),
        "citizen_asked": ({"text": "Une photo, svp."}, "Une photo, svp."),
        "request_merged": ({"kept_reference": "2026-P000001"}, "2026-P000001"),
    }
    for template, (context, expected) in cases.items():
        letter = compose(notice(template, **context), HOME, settings=SETTINGS)
        assert letter.subject and expected in letter.body, template


@pytest.mark.parametrize("address", ["", "  \n \n"])
def test_no_address_is_a_permanent_failure_said_in_french(address: str) -> None:
    with pytest.raises(PermanentError, match="Adresse postale absente"):
        compose(notice(), replace(HOME, address=address), settings=SETTINGS)


def test_more_than_six_lines_cannot_fit_the_window() -> None:
    address = "\n".join(f"ligne {n}" for n in range(6))
    with pytest.raises(PermanentError, match="six lignes au plus"):
        compose(notice(), replace(HOME, address=address), settings=SETTINGS)


def test_an_unknown_template_or_a_missing_field_is_a_permanent_failure() -> None:
    with pytest.raises(PermanentError, match="Aucun modèle de courrier"):
        compose(notice("nope"), HOME, settings=SETTINGS)
    with pytest.raises(PermanentError, match="« agent_reply » incomplet"):
        compose(notice("agent_reply"), HOME, settings=SETTINGS)  # no text


def test_french_dates_and_recto_verso_batches() -> None:
    assert french_date(datetime(2027, 3, 1)) == "1er mars 2027"
    assert french_date(datetime(2026, 8, 15)) == "15 août 2026"
    one = render(compose(notice(), HOME, settings=SETTINGS), head=letterhead(SETTINGS)).pdf
    assert len(PdfReader(io.BytesIO(merge([one, one], recto_verso=False))).pages) == 2
    assert len(PdfReader(io.BytesIO(merge([one, one], recto_verso=True))).pages) == 4


def test_the_towns_own_templates_come_first_and_the_opt_out_link_is_printed(
    tmp_path: Path,
) -> None:
    (tmp_path / "postal").mkdir()
    (tmp_path / "postal" / "agent_reply.subject").write_text("Votre courrier du {{ reference }}")
    town = Environment(
        loader=ChoiceLoader([FileSystemLoader(tmp_path), FileSystemLoader(TEMPLATES_DIR)]),
        undefined=StrictUndefined,
        trim_blocks=True,
    )
    letter = compose(
        notice("agent_reply", text="Nous passons jeudi.", opt_out_url="https://ville.example/p/x"),
        HOME,
        settings=SETTINGS,
        templates=town,
    )
    assert letter.subject == "Votre courrier du 2026-C000042"  # the town's wording
    assert "Nous passons jeudi." in letter.body  # the packaged body
    text = " ".join(text_of(render(letter, head=letterhead(SETTINGS)).pdf).split())
    assert "Ne plus recevoir de courriers de la mairie : https://ville.example/p/x" in text


def test_a_long_address_line_stays_inside_the_window() -> None:
    long_line = "Résidence du Clos des Grands Chênes, bâtiment C, esc. 4"
    home = replace(HOME, address=f"{long_line}\n76800 SAINT-ÉTIENNE-DU-ROUVRAY")
    printed = render(compose(notice(), home, settings=SETTINGS), head=letterhead(SETTINGS))
    sizes: dict[str, float] = {}

    def visit(text: str, _cm: Any, tm: list[float], _font: Any, size: float) -> None:
        if text.strip():
            sizes.setdefault(text.strip(), size * tm[0])

    PdfReader(io.BytesIO(printed.pdf)).pages[0].extract_text(visitor_text=visit)
    assert long_line in sizes  # on one line, not wrapped
    assert 7 < sizes[long_line] < 10.5  # smaller, still readable


def test_a_long_status_link_is_printed_on_one_line() -> None:
    code = "1Ab-dEf_hIjKlMnOpQrStUvW"
    url = f"https://www.ville-exemple-sur-mer.example/suivi/2026-C000042?code={code}"
    letter = compose(notice(tracking_code=code, status_url=url), HOME, settings=SETTINGS)
    assert url in text_of(render(letter, head=letterhead(SETTINGS)).pdf).splitlines()
