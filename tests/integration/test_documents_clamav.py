"""Uploads scanned by a real clamd (signature database generated here): EICAR is refused in
French and never stored, a clean PDF is kept, and a clamd gone away is a 503, not a 500."""

import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.clamav import CLAMD, EICAR, SIGTOOL, running_clamd, signature_db
from tests.integration.documents_support import PDF, running_documents

pytestmark = pytest.mark.skipif(
    not (CLAMD and SIGTOOL), reason="ClamAV (clamd, sigtool) is not installed"
)


@pytest.fixture
async def clamd_socket() -> AsyncIterator[Path]:
    with tempfile.TemporaryDirectory(prefix="relais-clamd-") as workdir:
        folder = Path(workdir)
        async with running_clamd(signature_db(folder), folder) as socket:
            yield socket


async def test_clamd_refuses_eicar_and_keeps_a_clean_pdf(
    topic_prefix: str, clamd_socket: Path
) -> None:
    async with running_documents(
        topic_prefix, scanner="clamd", clamd_socket=str(clamd_socket)
    ) as running:
        auth = await running.login()
        virus = await running.upload(auth, EICAR, "attestation.pdf")
        assert virus.status_code == 422
        assert virus.headers["content-type"] == "application/problem+json"
        assert "contient un virus" in virus.json()["detail"]
        clean = await running.upload(auth, PDF, "attestation.pdf")
        assert clean.status_code == 201, clean.text
        assert await running.ctx.db["files.files"].count_documents({}) == 1
        clamd_socket.unlink()  # clamd no longer reachable
        down = await running.upload(auth, PDF, "autre.pdf")
        assert down.status_code == 503
        assert await running.ctx.db["files.files"].count_documents({}) == 1
