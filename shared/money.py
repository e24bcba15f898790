"""Amounts in euro cents, written the French way for people (never through a float)."""

NBSP = "\u00a0"  # between the figure and the sign, and between thousands
THIN_NBSP = "\u202f"


def euros(cents: int) -> str:
    """`1250` -> `12,50 €`, `123456` -> `1 234,56 €` (no-break spaces), `-5` -> `-0,05 €`."""
    sign, cents = ("-", -cents) if cents < 0 else ("", cents)
    units, rest = divmod(cents, 100)
    grouped = f"{units:,}".replace(",", THIN_NBSP)
    return f"{sign}{grouped},{rest:02d}{NBSP}€"
