"""The town's letter, as an A4 PDF for a DL window envelope (pure: a `Letter` in, bytes out).

The recipient's block sits where La Poste and NF EN ISO 269 put a DL envelope's window:
100 x 35 mm, 20 mm from the right edge and 50 mm from the top of the sheet folded in three.
"""

import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import segno
from fpdf import FPDF, XPos, YPos

A4_WIDTH = 210.0
MARGIN = 20.0
WINDOW_X = A4_WIDTH - 20.0 - 100.0  # the window's left edge, 20 mm from the right
WINDOW_Y = 50.0
WINDOW_WIDTH = 100.0
WINDOW_LINES = 6  # La Poste: at most six lines in the window
LINE = 5.0
FONT = "DejaVuSans.ttf"
BOLD_FONT = "DejaVuSans-Bold.ttf"


@dataclass(frozen=True)
class Letterhead:
    town_name: str
    address: tuple[str, ...]
    contact: str
    signature: str
    logo: Path | None = None
    font_dir: Path | None = None  # DejaVu's TTF files; without them, latin-1 core fonts


@dataclass(frozen=True)
class Letter:
    recipient: tuple[str, ...]  # the name, then the address lines
    place_date: str  # "Ville-Exemple, le 2 décembre 2026"
    subject: str
    reference: str
    body: str
    status_url: str
    tracking: str  # how to follow the request with its code
    closing: str
    created_at: datetime
    opt_out: str | None = None  # the page where the citizen stops letters


class _Pdf(FPDF):
    def __init__(self, head: Letterhead) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.unicode = _add_unicode_font(self, head.font_dir)
        self.family = "dejavu" if self.unicode else "helvetica"
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=MARGIN)
        self.footer_text = head.contact

    def text_of(self, text: str) -> str:
        """Core fonts know latin-1 only: anything else becomes '?' rather than an error."""
        return text if self.unicode else text.encode("latin-1", "replace").decode("latin-1")

    def write_lines(self, text: str, *, height: float = LINE, align: str = "L") -> None:
        self.multi_cell(
            0, height, self.text_of(text), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(self.family, size=8)
        page = f"{self.footer_text} · page {self.page_no()}/{{nb}}"
        self.cell(0, 4, self.text_of(page), align="C")


def _add_unicode_font(pdf: FPDF, font_dir: Path | None) -> bool:
    if font_dir is None or not (font_dir / FONT).is_file() or not (font_dir / BOLD_FONT).is_file():
        return False
    pdf.add_font("dejavu", "", font_dir / FONT)
    pdf.add_font("dejavu", "B", font_dir / BOLD_FONT)
    return True


@dataclass(frozen=True)
class Printed:
    pdf: bytes
    pages: int


def render(letter: Letter, *, head: Letterhead) -> Printed:
    pdf = _Pdf(head)
    pdf.set_title(pdf.text_of(f"{head.town_name} · {letter.subject}"))
    pdf.set_author(pdf.text_of(head.town_name))
    pdf.set_lang("fr-FR")
    pdf.set_creation_date(letter.created_at)
    pdf.alias_nb_pages()
    pdf.add_page()
    _letterhead(pdf, head)
    _window(pdf, letter.recipient)
    _opening(pdf, letter)
    pdf.write_lines(letter.body.strip())
    _tracking(pdf, letter)
    pdf.ln(LINE)
    pdf.write_lines(letter.closing)
    pdf.ln(LINE)
    pdf.set_font(pdf.family, "B", 10)
    pdf.write_lines(head.signature, align="R")
    if letter.opt_out:
        pdf.ln(LINE)
        pdf.set_font(pdf.family, size=8)
        pdf.write_lines(f"Ne plus recevoir de courriers de la mairie : {letter.opt_out}", height=4)
    return Printed(pdf=bytes(pdf.output()), pages=pdf.pages_count)


def _letterhead(pdf: _Pdf, head: Letterhead) -> None:
    top = MARGIN
    if head.logo is not None and head.logo.is_file():
        pdf.image(str(head.logo), x=MARGIN, y=top, h=18)
        top += 20
    pdf.set_xy(MARGIN, top)
    pdf.set_font(pdf.family, "B", 13)
    pdf.cell(80, 6, pdf.text_of(f"Mairie de {head.town_name}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(pdf.family, size=9)
    for line in head.address:
        pdf.cell(80, 4.5, pdf.text_of(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _window(pdf: _Pdf, recipient: tuple[str, ...]) -> None:
    """The address block; a long line makes the font smaller (down to 7 pt), never wraps."""
    size = 10.5
    pdf.set_font(pdf.family, size=size)
    widest = max(pdf.get_string_width(pdf.text_of(line)) for line in recipient)
    if widest > WINDOW_WIDTH - 10:
        size = max(7.0, size * (WINDOW_WIDTH - 10) / widest)
        pdf.set_font(pdf.family, size=size)
    pdf.set_xy(WINDOW_X + 5, WINDOW_Y + 3)
    for line in recipient[:WINDOW_LINES]:
        pdf.set_x(WINDOW_X + 5)
        pdf.cell(WINDOW_WIDTH - 10, LINE, pdf.text_of(line), new_x=XPos.LEFT, new_y=YPos.NEXT)


def _opening(pdf: _Pdf, letter: Letter) -> None:
    pdf.set_xy(MARGIN, WINDOW_Y + 45)
    pdf.set_font(pdf.family, size=10)
    pdf.write_lines(letter.place_date, align="R")
    pdf.ln(LINE)
    pdf.set_font(pdf.family, "B", 10)
    pdf.write_lines(f"Objet : {letter.subject}")
    pdf.write_lines(f"Référence : {letter.reference}")
    pdf.ln(LINE)
    pdf.set_font(pdf.family, size=10)


def _link(pdf: _Pdf, url: str) -> None:
    """The status link on one line, as the citizen types it: a long one in a smaller font
    (down to 7 pt); wrapped only beyond that."""
    size = 10.0
    pdf.set_font(pdf.family, size=size)
    room = pdf.epw - 2 * pdf.c_margin - 0.5  # what multi_cell leaves for text
    width = pdf.get_string_width(pdf.text_of(url))
    if width > room:
        pdf.set_font(pdf.family, size=max(7.0, size * room / width))
    pdf.write_lines(url)


def _tracking(pdf: _Pdf, letter: Letter) -> None:
    pdf.ln(LINE)
    if pdf.will_page_break(40):
        pdf.add_page()
    top = pdf.get_y()
    qr = io.BytesIO()
    segno.make(letter.status_url, error="m").save(qr, kind="png", scale=4, border=1)
    pdf.image(qr, x=A4_WIDTH - MARGIN - 28, y=top, w=28)
    pdf.set_right_margin(MARGIN + 32)
    pdf.set_font(pdf.family, "B", 10)
    pdf.write_lines("Suivre votre demande en ligne")
    _link(pdf, letter.status_url)
    pdf.set_font(pdf.family, size=10)
    pdf.write_lines(letter.tracking)
    pdf.set_right_margin(MARGIN)
    pdf.set_y(max(pdf.get_y(), top + 30))
