"""Logs never carry personal data."""

import logging

from shared.logging import CodesRedacted
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


def test_tracking_codes_in_addresses_never_reach_the_logs() -> None:
    link = "GET /suivi/2026-E000007?code=1AbC-dEf_ghIJklmnoPQRstu&lang=fr HTTP/1.1"
    assert redact_text(link) == "GET /suivi/2026-E000007?code=[redacted]&lang=fr HTTP/1.1"
    fragment = "https://x.example/suivi/2026-E000007#code=1AbC-dEf_ghIJ"
    assert redact_text(fragment).endswith("#code=[redacted]")
    assert "s3cret" not in redact_text("/v1/public/requests/2026-P000001?token=s3cret")
    magic = "GET /mes-documents/connexion?jeton=eyJhbGciOi.eyJzdWIi.sig HTTP/1.1"
    assert redact_text(magic) == "GET /mes-documents/connexion?jeton=[redacted] HTTP/1.1"
    event = redact_event(None, "info", {"event": "x", "tracking_token": "1AbC", "status": 200})
    assert event["tracking_token"] == "[redacted]" and event["status"] == 200


def test_a_standard_library_access_log_line_is_redacted_by_the_handler_filter() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/suivi/2026-E000007?code=1AbC-dEf_ghIJkl", "1.1", 200),
        None,
    )
    assert CodesRedacted().filter(record)
    assert record.getMessage() == (
        '127.0.0.1:5000 - "GET /suivi/2026-E000007?code=[redacted] HTTP/1.1" 200'
    )
