"""Virus scanners and content sniffing: the development scanner, and real ClamAV (clamscan and
clamd) with a signature database generated here (freshclam's mirrors are not needed)."""

import asyncio
import shutil
import subprocess
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
from tests.integration.documents_support import EICAR, EXE, PDF

CLAMSCAN, CLAMD, SIGTOOL = (shutil.which(n) for n in ("clamscan", "clamd", "sigtool"))
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
    folder = tmp_path_factory.mktemp("clamdb")
    (folder / "eicar.com").write_bytes(EICAR)
    digest = subprocess.run(
        [str(SIGTOOL), "--md5", "eicar.com"], cwd=folder, check=True, capture_output=True
    ).stdout
    (folder / "test.hdb").write_bytes(digest)
    (folder / "eicar.com").unlink()
    return folder


@needs_clamav
async def test_clamscan_finds_eicar(signatures: Path) -> None:
    scanner = ClamscanScanner(path=str(CLAMSCAN), database=str(signatures / "test.hdb"))
    assert (await scanner.scan(EICAR)).infected
    assert not (await scanner.scan(PDF)).infected


@pytest.fixture
async def clamd_socket(signatures: Path, tmp_path: Path) -> AsyncIterator[Path]:
    socket = tmp_path / "clamd.sock"
    config = tmp_path / "clamd.conf"
    config.write_text(
        f"DatabaseDirectory {signatures}\nLocalSocket {socket}\nForeground yes\n"
        f"LogFile {tmp_path / 'clamd.log'}\nPidFile {tmp_path / 'clamd.pid'}\n"
    )
    process = await asyncio.create_subprocess_exec(
        str(CLAMD), "-c", str(config), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        for _ in range(300):
            if socket.exists() or process.returncode is not None:
                break
            await asyncio.sleep(0.1)
        assert socket.exists(), (tmp_path / "clamd.log").read_text(errors="replace")
        yield socket
    finally:
        if process.returncode is None:
            process.terminate()
            await process.wait()


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
