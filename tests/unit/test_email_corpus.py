"""The corpus and its manifest agree with the classifier, without any infrastructure."""

from pathlib import Path

import pytest
import yaml

from services.email_adapter.classify import Kind, classify
from services.email_adapter.headers import all_headers, first_address
from services.email_adapter.parsing import MalformedEmail, parse_message, read_message
from tests.support import SISIMAI, needs_sisimai

CORPUS = Path(__file__).parents[1] / "data" / "emails"
MANIFEST = yaml.safe_load((CORPUS / "manifest.yaml").read_text(encoding="utf-8"))
CASES = [pytest.param(CORPUS / n, s, id=n) for n, s in MANIFEST["messages"].items()] + [
    pytest.param(SISIMAI / n, s, marks=needs_sisimai, id=n) for n, s in MANIFEST["sisimai"].items()
]
KINDS = {
    "request": Kind.HUMAN,
    "follow_up": Kind.HUMAN,
    "automatic": Kind.AUTOMATIC,
    "bounce": Kind.BOUNCE,
    "bounce_unmatched": Kind.BOUNCE,
    "bounce_delayed": Kind.BOUNCE,
}


def test_every_corpus_file_has_an_expected_fate_and_the_corpus_is_varied() -> None:
    files = {p.name for p in CORPUS.glob("*.eml")}
    assert files == set(MANIFEST["messages"]) and len(files) >= 30
    fates = {spec["expect"] for spec in MANIFEST["messages"].values()}
    assert fates == set(KINDS) | {"quarantined"}


@pytest.mark.parametrize(("path", "spec"), CASES)
def test_the_classifier_agrees_with_the_manifest(path: Path, spec: dict[str, str]) -> None:
    raw = path.read_bytes()
    if spec["expect"] == "quarantined":
        with pytest.raises(MalformedEmail):
            read_message(raw)
        return
    message = read_message(raw)
    sender = spec.get("mail_from") or next(
        iter(all_headers(message, "Return-Path")), first_address(message, "From")[1] or "<>"
    )
    verdict = classify(message, mail_from=sender, domains=frozenset({"ville.example"}))
    assert verdict.kind == KINDS[spec["expect"]], verdict
    if verdict.kind == Kind.HUMAN:
        parsed = parse_message(message, envelope_sender=sender)
        assert parsed.from_address and (parsed.text or parsed.subject)
