"""The SMTP handler's decisions that need no network, and the adapter's settings."""

import pytest
from aiosmtpd.smtp import Envelope, Session

from services.email_adapter.settings import EmailSettings
from services.email_adapter.smtp import MailHandler


def _handler(**settings: object) -> MailHandler:
    return MailHandler(pipeline=None, settings=EmailSettings(**settings))  # type: ignore[arg-type]


async def _rcpt(handler: MailHandler, address: str) -> tuple[str, list[str]]:
    envelope = Envelope()
    answer = await handler.handle_RCPT(None, Session(None), envelope, address, [])  # type: ignore[arg-type]
    return answer, envelope.rcpt_tos


@pytest.mark.parametrize("address", ["mairie@ville.example", "Urbanisme@VILLE.EXAMPLE"])
async def test_the_towns_addresses_are_accepted(address: str) -> None:
    assert await _rcpt(_handler(), address) == ("250 2.1.5 OK", [address])


@pytest.mark.parametrize(
    "address",
    ["someone@elsewhere.example", "mairie@ville.example.evil", "mairie@sub.ville.example"],
)
async def test_other_domains_are_refused_with_a_reason(address: str) -> None:
    answer, kept = await _rcpt(_handler(), address)
    assert answer.startswith(f"550 5.1.1 <{address}>:") and "ville.example" in answer
    assert answer.isascii() and kept == []


async def test_the_domain_is_configurable_and_may_list_several() -> None:
    handler = _handler(mail_domain="mairie.example, ville.example")
    assert (await _rcpt(handler, "a@mairie.example"))[0].startswith("250")
    assert (await _rcpt(handler, "a@ville.example"))[0].startswith("250")
    assert (await _rcpt(handler, "a@autre.example"))[0].startswith("550")


def test_settings_defaults_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "HTTP_PORT",
        "SMTP_LISTEN_PORT",
        "SMTP_HOST",
        "SMTP_LISTEN_HOST",
        "MAIL_DOMAIN",
        "MAX_MESSAGE_BYTES",
        "IMAP_HOST",
        "MONGODB_DATABASE",
        "DATABASE_PREFIX",
    ):
        monkeypatch.delenv(name, raising=False)  # fmt: skip
    defaults = EmailSettings()
    assert (defaults.http_port, defaults.smtp_listen_port) == (8005, 2525)
    assert defaults.max_message_bytes == 25 * 1024 * 1024 and defaults.imap_host == ""
    assert defaults.database_name == "relais_email_adapter"
    monkeypatch.setenv("SMTP_HOST", "0.0.0.0")
    monkeypatch.setenv("MAIL_DOMAIN", "commune.example")
    monkeypatch.setenv("MAX_MESSAGE_BYTES", "1000")
    configured = EmailSettings()
    assert configured.smtp_listen_host == "0.0.0.0" and configured.domains == {"commune.example"}
    assert configured.max_message_bytes == 1000
