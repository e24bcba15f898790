"""Tracking codes derived from the request id: what the adapters show, notification recomputes
and tracking checks against the hash carried by RequestSubmitted."""

import re

import pytest
import structlog.testing
from pydantic import ValidationError

from services.tracking.public import token_matches
from shared.tokens import (
    DEV_TRACKING_SECRET,
    TrackingCodeSettings,
    TrackingKeys,
    derive_code,
    hash_token,
)

KEYS = TrackingKeys(version="2", secret="the-current-secret-of-the-town", retired={})
REQUEST = "0f3c9a1e5b7d4c2a8e6f1b3d5a7c9e0f"


def test_a_code_is_deterministic_for_one_request_and_one_key() -> None:
    assert KEYS.code(REQUEST) == KEYS.code(REQUEST)
    assert KEYS.code(REQUEST) == derive_code(
        secret="the-current-secret-of-the-town", version="2", request_id=REQUEST
    )


def test_codes_differ_per_request_and_per_secret() -> None:
    other_secret = TrackingKeys(version="2", secret="another-town-secret-entirely", retired={})
    codes = {KEYS.code(REQUEST), KEYS.code(REQUEST[:-1] + "1"), other_secret.code(REQUEST)}
    assert len(codes) == 3


def test_a_code_starts_with_its_key_version_and_is_url_safe() -> None:
    code = KEYS.code(REQUEST)
    assert re.fullmatch(r"2[A-Za-z0-9_-]{23}", code)


def test_the_hash_of_a_derived_code_is_what_tracking_checks() -> None:
    stored = hash_token(KEYS.code(REQUEST))
    assert token_matches(KEYS.code(REQUEST), stored)
    assert not token_matches(KEYS.code(REQUEST[:-1] + "1"), stored)


def test_code_for_finds_the_key_a_request_was_filed_under() -> None:
    old = TrackingKeys(version="1", secret="the-former-secret-of-the-town", retired={})
    rotated = TrackingKeys(
        version="2", secret="the-current-secret-of-the-town", retired={"1": old.secret}
    )
    filed_before = hash_token(old.code(REQUEST))
    assert rotated.code_for(REQUEST, filed_before) == old.code(REQUEST)
    assert rotated.code_for(REQUEST, hash_token(rotated.code(REQUEST))) == rotated.code(REQUEST)


def test_code_for_is_none_for_a_random_code_of_before_or_a_forgotten_key() -> None:
    assert KEYS.code_for(REQUEST, hash_token("ancien-code-aleatoire")) is None
    old = TrackingKeys(version="1", secret="the-former-secret-of-the-town", retired={})
    assert KEYS.code_for(REQUEST, hash_token(old.code(REQUEST))) is None
    assert KEYS.code_under("1", REQUEST) is None


def test_settings_read_the_shared_secret_and_retired_keys_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RELAIS_TRACKING_SECRET", "a-production-secret-value")
    monkeypatch.setenv("RELAIS_TRACKING_KEY_VERSION", "3")
    monkeypatch.setenv("RELAIS_TRACKING_RETIRED_SECRETS", '{"2": "the-secret-of-last-year"}')
    keys = TrackingCodeSettings().tracking_keys()
    assert (keys.version, keys.secret) == ("3", "a-production-secret-value")
    assert keys.retired == {"2": "the-secret-of-last-year"}


def test_settings_default_to_the_development_secret_and_refuse_a_short_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("RELAIS_TRACKING_SECRET", raising=False)
    assert TrackingCodeSettings().tracking_keys().secret == DEV_TRACKING_SECRET
    with pytest.raises(ValidationError):
        TrackingCodeSettings(tracking_secret="short")
    with pytest.raises(ValidationError):
        TrackingCodeSettings(tracking_key_version="12")


def test_the_development_secret_is_announced_at_start_up_and_a_real_one_is_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("RELAIS_TRACKING_SECRET", raising=False)
    with structlog.testing.capture_logs() as logs:
        TrackingCodeSettings().warn_dev_tracking_secret()
        TrackingCodeSettings(tracking_secret="a-production-secret-value").warn_dev_tracking_secret()
    assert [entry["event"] for entry in logs] == ["tracking_code.insecure_dev_secret"]
    assert logs[0]["log_level"] == "warning"
