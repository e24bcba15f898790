"""Webhook signatures: valid, forged, stale, missing, malformed."""

import hashlib
import hmac

import pytest

from shared.signatures import (
    SignatureRefused,
    check_chatbot,
    check_facebook,
    sign_chatbot,
    sign_facebook,
)

SECRET = "secret-de-test-0123456789"
BODY = b'{"object":"page","entry":[]}'
NOW = 1_790_000_000


def test_facebook_signature_is_the_hmac_of_the_raw_body() -> None:
    expected = hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    assert sign_facebook(secret=SECRET, body=BODY) == f"sha256={expected}"


def test_valid_facebook_signature_passes() -> None:
    check_facebook(secret=SECRET, body=BODY, header=sign_facebook(secret=SECRET, body=BODY))


def test_facebook_signature_prefix_and_hex_case_do_not_matter() -> None:
    header = sign_facebook(secret=SECRET, body=BODY).upper().replace("SHA256=", "sha256=")
    check_facebook(secret=SECRET, body=BODY, header=f" {header} ")


@pytest.mark.parametrize(
    "header",
    [
        sign_facebook(secret="un-autre-secret", body=BODY),
        sign_facebook(secret=SECRET, body=BODY + b" "),
        sign_facebook(secret=SECRET, body=BODY).replace("sha256=", "sha1="),
        "sha256=",
        "n'importe quoi",
    ],
)
def test_forged_facebook_signatures_are_refused(header: str) -> None:
    with pytest.raises(SignatureRefused) as refused:
        check_facebook(secret=SECRET, body=BODY, header=header)
    assert refused.value.status == 403
    assert "invalide" in refused.value.detail


@pytest.mark.parametrize("header", [None, ""])
def test_missing_facebook_signature_is_refused(header: str | None) -> None:
    with pytest.raises(SignatureRefused) as refused:
        check_facebook(secret=SECRET, body=BODY, header=header)
    assert refused.value.status == 401
    assert "absente" in refused.value.detail


def test_chatbot_signature_covers_timestamp_and_body() -> None:
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign_chatbot(secret=SECRET, timestamp=NOW, body=BODY) == f"sha256={expected}"


def chatbot(
    *, timestamp: str | None = str(NOW), signature: str | None = None, now: float = NOW
) -> None:
    if signature is None:
        signature = sign_chatbot(secret=SECRET, timestamp=timestamp or "", body=BODY)
    check_chatbot(
        secret=SECRET,
        body=BODY,
        timestamp=timestamp,
        signature=signature,
        now=now,
        max_skew_s=300,
    )


@pytest.mark.parametrize("now", [NOW, NOW + 300, NOW - 300, NOW + 0.5])
def test_valid_recent_chatbot_message_passes(now: float) -> None:
    chatbot(now=now)


@pytest.mark.parametrize("now", [NOW + 301, NOW - 301, NOW + 86400])
def test_stale_chatbot_message_is_refused(now: float) -> None:
    with pytest.raises(SignatureRefused) as refused:
        chatbot(now=now)
    assert refused.value.status == 401
    assert "périmé" in refused.value.detail


@pytest.mark.parametrize(
    "signature",
    [
        sign_chatbot(secret="un-autre-secret", timestamp=NOW, body=BODY),
        sign_chatbot(secret=SECRET, timestamp=NOW - 1, body=BODY),
        sign_chatbot(secret=SECRET, timestamp=NOW, body=BODY + b"\n"),
        sign_facebook(secret=SECRET, body=BODY),
    ],
)
def test_forged_chatbot_signatures_are_refused(signature: str) -> None:
    with pytest.raises(SignatureRefused) as refused:
        chatbot(signature=signature)
    assert refused.value.status == 401
    assert "Signature invalide" in refused.value.detail


@pytest.mark.parametrize(("timestamp", "signature"), [(None, "sha256=00"), (str(NOW), "")])
def test_missing_chatbot_headers_are_refused(timestamp: str | None, signature: str) -> None:
    with pytest.raises(SignatureRefused) as refused:
        chatbot(timestamp=timestamp, signature=signature)
    assert refused.value.status == 401
    assert "absente" in refused.value.detail


@pytest.mark.parametrize("timestamp", ["hier", "-5", "1.5e9", "١٧٩٠٠٠٠٠٠٠", "9" * 40])
def test_malformed_chatbot_timestamps_are_refused(timestamp: str) -> None:
    with pytest.raises(SignatureRefused) as refused:
        chatbot(timestamp=timestamp, signature="sha256=00")
    assert refused.value.status == 401
    assert "Horodatage invalide" in refused.value.detail
