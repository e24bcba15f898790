"""Amounts in cents written in euros the French way, without floats."""

import pytest

from shared.money import euros


@pytest.mark.parametrize(
    ("cents", "text"),
    [
        (1250, "12,50\u00a0€"),
        (5, "0,05\u00a0€"),
        (100, "1,00\u00a0€"),
        (123456, "1\u202f234,56\u00a0€"),
        (100_000_000, "1\u202f000\u202f000,00\u00a0€"),
        (-5, "-0,05\u00a0€"),
        (0, "0,00\u00a0€"),
    ],
)
def test_euros(cents: int, text: str) -> None:
    assert euros(cents) == text
