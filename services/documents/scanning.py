"""Virus scanning behind one interface: a development scanner and ClamAV (clamd or clamscan)."""

import asyncio
import struct
from dataclasses import dataclass
from typing import Protocol

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
CHUNK = 256 * 1024


@dataclass(frozen=True)
class Verdict:
    infected: bool
    signature: str | None = None


class ScanFailed(RuntimeError):
    """The scanner could not read the file (corrupt, encrypted, too large for it)."""


class ScannerUnavailable(RuntimeError):
    """The scanner did not answer: nothing is stored, the citizen tries again later."""


class Scanner(Protocol):
    name: str

    async def scan(self, content: bytes) -> Verdict: ...


class EicarScanner:
    """Development scanner: recognises the EICAR test file, and nothing else."""

    name = "eicar"

    async def scan(self, content: bytes) -> Verdict:
        if EICAR in content:
            return Verdict(infected=True, signature="Eicar-Test-Signature")
        return Verdict(infected=False)


def parse_clamav(line: str) -> Verdict:
    """`stream: OK`, `stream: Sig FOUND`, `stream: ... ERROR` (clamd) or clamscan's `-: ...`."""
    line = line.strip().rstrip("\0")
    _, _, result = line.rpartition(": ")
    if result == "OK":
        return Verdict(infected=False)
    if result.endswith(" FOUND"):
        return Verdict(infected=True, signature=result.removesuffix(" FOUND"))
    raise ScanFailed(line[-200:])


class ClamdScanner:
    """clamd's INSTREAM command over its unix socket or TCP."""

    name = "clamd"

    def __init__(
        self,
        *,
        socket: str = "",
        host: str = "127.0.0.1",
        port: int = 3310,
        timeout_s: float = 60.0,
    ) -> None:
        self._socket, self._host, self._port, self._timeout = socket, host, port, timeout_s

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._socket:
            return await asyncio.open_unix_connection(self._socket)
        return await asyncio.open_connection(self._host, self._port)

    async def scan(self, content: bytes) -> Verdict:
        try:
            async with asyncio.timeout(self._timeout):
                reader, writer = await self._open()
                try:
                    writer.write(b"zINSTREAM\0")
                    for start in range(0, len(content), CHUNK):
                        chunk = content[start : start + CHUNK]
                        writer.write(struct.pack("!L", len(chunk)) + chunk)
                        await writer.drain()
                    writer.write(struct.pack("!L", 0))
                    await writer.drain()
                    answer = await reader.read()
                finally:
                    writer.close()
        except (OSError, TimeoutError) as exc:
            raise ScannerUnavailable(f"clamd: {exc!r}") from exc
        return parse_clamav(answer.decode("utf-8", "replace"))


class ClamscanScanner:
    """The clamscan command on standard input (slow: it loads the database each time)."""

    name = "clamscan"

    def __init__(self, *, path: str = "clamscan", database: str = "", timeout_s: float = 60.0):
        self._command = [path, "--no-summary", "--stdout", *(["-d", database] if database else [])]
        self._timeout = timeout_s

    async def scan(self, content: bytes) -> Verdict:
        try:
            process = await asyncio.create_subprocess_exec(
                *self._command,
                "-",
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            async with asyncio.timeout(self._timeout):
                out, _ = await process.communicate(content)
        except (OSError, TimeoutError) as exc:
            raise ScannerUnavailable(f"clamscan: {exc!r}") from exc
        lines = out.decode("utf-8", "replace").strip().splitlines()
        if process.returncode not in (0, 1) or not lines:
            raise ScanFailed(f"clamscan exit {process.returncode}")
        return parse_clamav(lines[-1])
