"""ClamAV for tests and the bench: a signature database made on the spot (EICAR's MD5, as
`sigtool --md5` prints it) and a clamd started on a private unix socket."""

import asyncio
import shutil
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
CLAMSCAN, CLAMD, SIGTOOL = (shutil.which(n) for n in ("clamscan", "clamd", "sigtool"))


def signature_db(folder: Path) -> Path:
    """`folder` holding test.hdb, which makes ClamAV report the EICAR file as FOUND."""
    (folder / "eicar.com").write_bytes(EICAR)
    digest = subprocess.run(
        [str(SIGTOOL), "--md5", "eicar.com"], cwd=folder, check=True, capture_output=True
    ).stdout
    (folder / "test.hdb").write_bytes(digest)
    (folder / "eicar.com").unlink()
    return folder


@asynccontextmanager
async def running_clamd(signatures: Path, workdir: Path) -> AsyncIterator[Path]:
    """clamd on a unix socket in `workdir`; yields the socket's path, stops it afterwards."""
    socket = workdir / "clamd.sock"
    config = workdir / "clamd.conf"
    config.write_text(
        f"DatabaseDirectory {signatures}\nLocalSocket {socket}\nForeground yes\n"
        f"LogFile {workdir / 'clamd.log'}\nPidFile {workdir / 'clamd.pid'}\n"
        "StreamMaxLength 64M\n"
    )
    process = await asyncio.create_subprocess_exec(
        str(CLAMD), "-c", str(config), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        for _ in range(300):
            if socket.exists() or process.returncode is not None:
                break
            await asyncio.sleep(0.1)
        assert socket.exists(), (workdir / "clamd.log").read_text(errors="replace")
        yield socket
    finally:
        if process.returncode is None:
            process.terminate()
            await process.wait()
