"""A document's type and size as the citizens' site shows them."""

from services.site.fileinfo import kind_label, size_label


def test_sizes_read_in_french_units() -> None:
    assert size_label(1) == "1 octet"
    assert size_label(1023) == "1023 octets"
    assert size_label(1024) == "1 Ko"
    assert size_label(12_800) == "12,5 Ko"
    assert size_label(5 * 1024 * 1024) == "5 Mo"
    assert size_label(3_355_443) == "3,2 Mo"


def test_types_have_a_french_label_and_unknown_ones_stay_as_they_are() -> None:
    assert kind_label("application/pdf") == "PDF"
    assert kind_label("image/png") == "Image PNG"
    assert kind_label("application/x-inconnu") == "application/x-inconnu"
