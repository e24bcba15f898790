"""SMS segments and texts: GSM-7 or UCS-2, 160/153 and 70/67, French accents, the cap."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.notification.channels.segments import (
    GSM7,
    GSM7_BASIC,
    UCS2,
    Segments,
    count_segments,
    is_gsm7,
    to_gsm7,
)
from services.notification.channels.sms_text import fit, render

URL = "https://ville.example/suivi/2026-T000042"


@pytest.mark.parametrize(
    ("text", "encoding", "segments", "units"),
    [
        ("", GSM7, 1, 0),
        ("a" * 160, GSM7, 1, 160),
        ("a" * 161, GSM7, 2, 161),
        ("a" * 306, GSM7, 2, 306),  # 153 + 153
        ("a" * 307, GSM7, 3, 307),
        ("€" * 80, GSM7, 1, 160),  # the extension table costs two septets
        ("€" * 81, GSM7, 2, 162),
        # 306 septets would fit in two segments of 153, but an escape sequence is never
        # split: 76 euro signs (152 septets) per segment, so three segments.
        ("€" * 153, GSM7, 3, 306),
        ("a" * 159 + "€", GSM7, 2, 161),
        ("é è ù à ì ò É Ç Ä Ö Ñ Ü ü ö ä ñ", GSM7, 1, 31),
        ("ê" + "a" * 69, UCS2, 1, 70),
        ("ê" + "a" * 70, UCS2, 2, 71),
        ("ç" + "a" * 133, UCS2, 2, 134),  # 67 + 67
        ("ç" + "a" * 134, UCS2, 3, 135),
        ("😀" * 35, UCS2, 1, 70),  # outside the BMP: two UTF-16 units each
        ("😀" * 34 + "aaa", UCS2, 2, 71),
        ("😀" * 67, UCS2, 3, 134),  # 33 pairs (66 units) per segment: a pair is never split
    ],
)
def test_segments_hand_checked(text: str, encoding: str, segments: int, units: int) -> None:
    counted = count_segments(text)
    assert (counted.encoding, counted.count, counted.units) == (encoding, segments, units)


@pytest.mark.parametrize("char", ["ê", "â", "î", "ô", "û", "ë", "ï", "ç", "œ", "’", "«", "\u00a0"])
def test_french_characters_outside_gsm7(char: str) -> None:
    assert not is_gsm7(f"Votre demande{char}")


def test_to_gsm7_keeps_what_gsm7_has_and_spells_out_the_rest() -> None:
    assert to_gsm7("Vous êtes prié d’aller à la fête « ça va » œuvre…") == (
        'Vous etes prié d\'aller à la fete " ca va " oeuvre...'
    )
    assert to_gsm7("Ç€[]") == "Ç€[]"
    assert to_gsm7("日") == "?"
    assert is_gsm7(to_gsm7("Clôturée, reçue, naïve, Noël, Œuvre, Âge, Île"))


def test_describe_names_count_and_encoding() -> None:
    assert count_segments("ç" * 71).describe() == "2 segment(s), UCS-2, 71 units"


CONTEXT = {"town_name": "Ville-Exemple", "reference": "2026-T000042", "status_url": URL}


def test_acknowledgement_template_in_french_with_reference_and_link() -> None:
    text = render(
        "acknowledgement",
        {**CONTEXT, "department": "Voirie", "due_date": "vendredi 11 décembre 2026"},
    )
    assert text == (
        "Ville-Exemple : votre demande 2026-T000042 est enregistrée et transmise au service "
        "Voirie. Réponse prévue au plus tard le vendredi 11 décembre 2026. Suivi : " + URL
    )
    assert is_gsm7(text)


def test_fit_keeps_the_full_text_when_it_fits_and_adds_stop() -> None:
    sms = fit(
        "agent_reply",
        {**CONTEXT, "text": "Le trou sera rebouché lundi,\nla chaussée fermée de 8 h à 12 h."},
        max_segments=2,
        stop_number="36111",
    )
    assert sms.text == (
        "Ville-Exemple : réponse du service à votre demande 2026-T000042 : "
        '"Le trou sera rebouché lundi, la chaussée fermée de 8 h à 12 h." Suivi : '
        + URL
        + "\nSTOP au 36111"
    )
    # 193 characters, all GSM-7: two segments of at most 153.
    assert (sms.segments.encoding, sms.segments.units) == (GSM7, 193)
    assert (sms.segments.count, sms.within_cap) == (2, True)


def test_fit_turns_to_gsm7_before_shortening() -> None:
    # 98 characters with "ç" and "ô": UCS-2 needs 2 segments; the GSM-7 spelling fits in 1.
    context = {**CONTEXT, "status_label": "reçue et clôturée", "status_url": "https://v.fr/s"}
    full = render("status_changed", context)
    assert count_segments(full).count == 2
    sms = fit("status_changed", context, max_segments=1)
    assert sms.text == to_gsm7(full)
    assert "recue et cloturée" in sms.text
    assert (sms.segments.encoding, sms.segments.count) == (GSM7, 1)


def test_fit_falls_back_to_the_short_template_with_reference_and_link() -> None:
    long_reply = "Bonjour, " + "nous avons bien étudié votre signalement. " * 10
    sms = fit("agent_reply", {**CONTEXT, "text": long_reply}, max_segments=1)
    assert sms.text == (
        "Ville-Exemple : le service a répondu à votre demande 2026-T000042. "
        "Lire la réponse : " + URL
    )
    assert sms.within_cap and sms.segments.count == 1


def test_unknown_template_uses_the_generic_short_text() -> None:
    sms = fit("payment_reminder", CONTEXT, max_segments=2, stop_number="36111")
    assert sms.text == (
        "Ville-Exemple : du nouveau sur votre demande 2026-T000042. Suivi : "
        + URL
        + "\nSTOP au 36111"
    )


def test_over_the_cap_the_shortest_draft_is_sent_and_said() -> None:
    long_url = "https://ville.example/" + "x" * 200
    sms = fit("agent_reply", {**CONTEXT, "status_url": long_url, "text": "ok"}, max_segments=1)
    assert not sms.within_cap
    assert sms.text.endswith(long_url) and "Lire la réponse" in sms.text


BASIC = sorted(GSM7_BASIC)
BMP_NOT_GSM = st.characters(min_codepoint=0x100, max_codepoint=0xD7FF).filter(
    lambda c: not is_gsm7(c)
)


@given(st.text(alphabet=BASIC, max_size=800))
def test_gsm7_without_extension_is_a_plain_division(text: str) -> None:
    expected = 1 if len(text) <= 160 else math.ceil(len(text) / 153)
    assert count_segments(text) == Segments(encoding=GSM7, count=expected, units=len(text))


@given(st.text(alphabet=BMP_NOT_GSM, min_size=1, max_size=400))
def test_ucs2_within_the_bmp_is_a_plain_division(text: str) -> None:
    expected = 1 if len(text) <= 70 else math.ceil(len(text) / 67)
    assert count_segments(text) == Segments(encoding=UCS2, count=expected, units=len(text))


@given(st.text(max_size=100))
def test_gsm7_spelling_is_always_gsm7(text: str) -> None:
    assert is_gsm7(to_gsm7(text))
