"""Virus scanners and content sniffing: the development scanner, and real ClamAV (clamscan and
clamd) with a signature database generated here (freshclam's mirrors are not needed)."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.documents.scanning import (
    ClamdScanner,
    ClamscanScanner,
    EicarScanner,
    ScanFailed,
    ScannerUnavailable,
    parse_clamav,
)
from services.documents.sniffing import sniff
from tests.clamav import CLAMD, CLAMSCAN, EICAR, SIGTOOL, running_clamd, signature_db
from tests.integration.documents_support import EXE, PDF

needs_clamav = pytest.mark.skipif(
    not (CLAMSCAN and SIGTOOL), reason="ClamAV (clamscan, sigtool) is not installed"
)


async def test_development_scanner_recognises_eicar_only() -> None:
    scanner = EicarScanner()
    assert (await scanner.scan(b"prefix " + EICAR)).signature == "Eicar-Test-Signature"
    assert not (await scanner.scan(PDF)).infected


def test_clamav_answers_are_parsed() -> None:
    assert not parse_clamav("stream: OK\0").infected
    assert parse_clamav("stream: Win.Test.EICAR_HDB-1 FOUND\0").signature == "Win.Test.EICAR_HDB-1"
    with pytest.raises(ScanFailed):
        parse_clamav("stream: Can't allocate memory ERROR\0")


def test_type_comes_from_content() -> None:
    assert sniff(PDF) == "application/pdf"
    assert sniff(EXE) == "application/x-dosexec"
    assert sniff("Bonjour, voilà ma lettre.".encode()) == "text/plain"


@pytest.fixture(scope="module")
def signatures(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return signature_db(tmp_path_factory.mktemp("clamdb"))


@needs_clamav
async def test_clamscan_finds_eicar(signatures: Path) -> None:
    scanner = ClamscanScanner(path=str(CLAMSCAN), database=str(signatures / "test.hdb"))
    assert (await scanner.scan(EICAR)).infected
    assert not (await scanner.scan(PDF)).infected


@pytest.fixture
async def clamd_socket(signatures: Path, tmp_path: Path) -> AsyncIterator[Path]:
    async with running_clamd(signatures, tmp_path) as socket:
        yield socket


@pytest.mark.skipif(not (CLAMD and SIGTOOL), reason="clamd is not installed")
async def test_clamd_finds_eicar(clamd_socket: Path) -> None:
    scanner = ClamdScanner(socket=str(clamd_socket))
    # Hash signatures match whole files: a long clean stream (several chunks) is clean.
    assert (await scanner.scan(b"x" * 300_000 + EICAR)).infected is False
    assert (await scanner.scan(EICAR)).signature
    assert not (await scanner.scan(PDF)).infected


async def test_a_silent_clamd_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(ScannerUnavailable):
        await ClamdScanner(socket=str(tmp_path / "missing.sock"), timeout_s=1).scan(PDF)
