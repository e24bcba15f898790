"""Logs never carry personal data."""

from shared.redact import redact_event, redact_text


def test_emails_and_phone_numbers_are_masked_in_free_text() -> None:
    text = redact_text(
        "Écrire à camille.martin@example.org ou au 06 12 34 56 78, +33 1 23 45 67 89"
    )
    assert "example.org" not in text and "56 78" not in text and "67 89" not in text
    assert text.count("[email]") == 1 and text.count("[phone]") == 2


def test_identifiers_and_dates_are_kept() -> None:
    text = "request 3f2a9c reference 2026-P000124 at 2026-11-28T10:00:00"
    assert redact_text(text) == text


def test_sensitive_keys_are_masked_at_any_depth() -> None:
    event = redact_event(
        None,
        "info",
        {
            "event": "mail from jean@x.fr",
            "citizen": {"name": "Jean"},
            "payload": {"name": "Jean Dupont", "reference": "2026-E000001"},
            "count": 3,
        },
    )
    assert event["event"] == "mail from [email]"
    assert event["citizen"] == "[redacted]"
    assert event["payload"] == {"name": "[redacted]", "reference": "2026-E000001"}
    assert event["count"] == 3
