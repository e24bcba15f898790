"""How many SMS segments a text costs (pure).

GSM 03.38 7-bit alphabet: 160 septets in a single SMS, 153 per segment of a long one (the
concatenation header takes 7); characters of the extension table (€ [ ] { } ^ ~ | \\ and form
feed) cost two septets (escape + code). Any other character forces UCS-2: 70 UTF-16 code units
in one SMS, 67 per segment (an emoji outside the BMP costs two units). An escape sequence or a
surrogate pair is never split across segments, so segments are packed greedily, not divided.

French traps: é è ù à ì ò É Ç are GSM-7; ê â î ô û ë ï ç œ, typographic quotes and the
non-breaking space are not.
"""

import unicodedata
from dataclasses import dataclass

GSM7 = "GSM-7"
UCS2 = "UCS-2"
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}
# What a character outside GSM-7 becomes when the text must stay GSM-7 (after accents are
# stripped by decomposition: ê -> e, ç -> c, â -> a).
SPELLED_OUT = {
    "œ": "oe",
    "Œ": "OE",
    "’": "'",
    "‘": "'",
    "“": '"',
    "”": '"',
    "«": '"',
    "»": '"',
    "…": "...",
    "–": "-",
    "—": "-",
    "\u00a0": " ",
    "\u202f": " ",
    "\t": " ",
}


@dataclass(frozen=True)
class Segments:
    encoding: str
    count: int
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)

    def describe(self) -> str:
        return f"{self.count} segment(s), {self.encoding}, {self.units} units"


def is_gsm7(text: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text)


def _cost(char: str, encoding: str) -> int:
    if encoding == GSM7:
        return 2 if char in GSM7_EXTENSION else 1
    return 2 if ord(char) > 0xFFFF else 1


def count_segments(text: str) -> Segments:
    """The encoding a gateway will use for `text` and the number of segments it costs."""
    encoding = GSM7 if is_gsm7(text) else UCS2
    single, per_segment = LIMITS[encoding]
    costs = [_cost(c, encoding) for c in text]
    units = sum(costs)
    if units <= single:
        return Segments(encoding=encoding, count=1, units=units)
    count, used = 1, 0
    for cost in costs:
        if used + cost > per_segment:
            count, used = count + 1, 0
        used += cost
    return Segments(encoding=encoding, count=count, units=units)


def to_gsm7(text: str) -> str:
    """The text in the GSM-7 alphabet: accents GSM-7 lacks are dropped (ê -> e), the rest
    spelled out or replaced by "?"."""
    return "".join(_gsm7_char(c) for c in text)


def _gsm7_char(char: str) -> str:
    if char in GSM7_BASIC or char in GSM7_EXTENSION:
        return char
    if char in SPELLED_OUT:
        return SPELLED_OUT[char]
    base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
    return base if base and is_gsm7(base) else "?"
