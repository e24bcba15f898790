"""The invoices a browser remembers: their codes in one cookie value."""

from services.site import wallet


def test_codes_survive_the_cookie_whatever_their_characters() -> None:
    codes = wallet.remember({}, invoice_id="a1", code="x:y&z=é %")
    codes = wallet.remember(codes, invoice_id="b2", code="plain")
    value = wallet.write(codes)
    assert all(c not in value for c in ' ;,"=é')
    assert wallet.read(value) == {"b2": "plain", "a1": "x:y&z=é %"}


def test_the_latest_opened_comes_first_and_the_oldest_are_dropped() -> None:
    codes: dict[str, str] = {}
    for n in range(wallet.MAX_INVOICES + 3):
        codes = wallet.remember(codes, invoice_id=f"id{n}", code=f"c{n}")
    codes = wallet.remember(codes, invoice_id="id5", code="c5")
    assert list(codes)[:2] == ["id5", f"id{wallet.MAX_INVOICES + 2}"]
    assert len(codes) == wallet.MAX_INVOICES


def test_a_tampered_cookie_reads_as_what_it_can() -> None:
    assert wallet.read(None) == {}
    assert wallet.read("garbage&:nocode&id:") == {}
    assert wallet.read("id:" + "c" * 500) == {"id": "c" * wallet.MAX_CODE}
